/*
 * tree.js — a lot's distribution tree (IMPACT's sites, edges and transit)
 * as SVG that stays readable when the lot is spread over hundreds of
 * sites.
 *
 * Sites are placed in columns by how far they are from where the lot was
 * made (shipments only; returns go back and are drawn as such), and within
 * a column grouped by site kind, and by region when IMPACT's site record
 * has one.  A group shows the sites that matter in a recall — holding or
 * awaiting stock, past the acknowledgement deadline, diverted, or moving
 * the lot after the recall — up to SHOW of them; the rest of the group is
 * one summary node with their counts.  The reader expands a group (its
 * header or its summary node) to see every site in it.  Edges between
 * sites folded into one node are added up.
 */
"use strict";

const yimaTree = (() => {
	const SHOW = 6;			/* sites of a folded group drawn one by one */
	const NODE_W = 200, NODE_H = 40, GAP = 8, HEAD_H = 24, GROUP_GAP = 18;
	const COL_GAP = 120, MARGIN = 16, TOP = 34;
	const KIND_ORDER = ["manufacturer", "distributor", "hospital", "pharmacy", "regulator"];
	const SVGNS = "http://www.w3.org/2000/svg";

	function held(s) {
		return s.in_stock + s.in_transit + s.incoming;
	}

	function afterRecall(s) {
		const a = s.after_recall || {};
		return (a.commissioned || 0) + (a.shipped || 0) + (a.received || 0);
	}

	/* Why a site matters in a recall: [] when it does not. */
	function why(s, diverted) {
		const w = [];
		if (held(s) > 0)
			w.push("stock");
		if (s.past_deadline)
			w.push("late");
		if (diverted.has(s.site))
			w.push("diverted");
		if (afterRecall(s) > 0)
			w.push("after");
		return w;
	}

	/* A node's classes: its reasons (the stylesheet lets late show over
	 * diverted over stock), or quiet. */
	function cls(reasons) {
		return reasons.length ? reasons.join(" ") : "quiet";
	}

	function kindRank(kind) {
		const i = KIND_ORDER.indexOf(kind);
		return i < 0 ? KIND_ORDER.length : i;
	}

	/* Most important first: late, diverted, then by stock held. */
	function byWeight(a, b) {
		const w = (x) => (x.why.includes("late") ? 4 : 0) + (x.why.includes("diverted") ? 2 : 0) +
			(x.why.length ? 1 : 0);
		return w(b) - w(a) || held(b.s) - held(a.s) || a.s.site.localeCompare(b.s.site);
	}

	/*
	 * The model of an IMPACT answer: every site with its column and why it
	 * matters, and its groups.  diverted: the ids of sites a diversion of
	 * this lot reached.
	 */
	function model(impact, diverted) {
		const sites = new Map();
		for (const s of impact.sites)
			sites.set(s.site, { s, why: why(s, diverted), depth: -1 });
		/* Columns: breadth first along shipments from where the lot was made. */
		const next = new Map();
		const link = (from, to) => {
			if (!next.has(from))
				next.set(from, []);
			next.get(from).push(to);
		};
		const into = new Set();
		for (const e of impact.edges)
			if (e.kind !== "return") {
				link(e.from, e.to);
				into.add(e.to);
			}
		for (const e of impact.transit) {
			if (e.to === null)	/* shipped to a destination not known */
				continue;
			link(e.from, e.to);
			into.add(e.to);
		}
		let queue = [...sites.values()].filter((n) => n.s.commissioned > 0);
		if (!queue.length)	/* made elsewhere: start where shipments start */
			queue = [...sites.values()].filter((n) => next.has(n.s.site) && !into.has(n.s.site));
		for (const n of queue)
			n.depth = 0;
		for (let i = 0; i < queue.length; i++) {
			for (const to of next.get(queue[i].s.site) || []) {
				const m = sites.get(to);
				if (m && m.depth < 0) {
					m.depth = queue[i].depth + 1;
					queue.push(m);
				}
			}
		}
		/* A site no shipment reaches (one that only acknowledged): in the
		 * first column its kind appears in. */
		const kindDepth = new Map();
		for (const n of sites.values())
			if (n.depth >= 0 && (!kindDepth.has(n.s.kind) || n.depth < kindDepth.get(n.s.kind)))
				kindDepth.set(n.s.kind, n.depth);
		for (const n of sites.values())
			if (n.depth < 0)
				n.depth = kindDepth.has(n.s.kind) ? kindDepth.get(n.s.kind) :
					n.s.kind === "manufacturer" ? 0 : 1;
		const groups = new Map();
		for (const n of sites.values()) {
			const key = `${n.depth}|${n.s.kind || ""}|${n.s.region || ""}`;
			if (!groups.has(key))
				groups.set(key, { key, depth: n.depth, kind: n.s.kind || "", region: n.s.region || "",
						  members: [] });
			const g = groups.get(key);
			g.members.push(n);
			n.group = g;
		}
		for (const g of groups.values())
			g.members.sort(byWeight);
		const list = [...groups.values()].sort((a, b) => a.depth - b.depth ||
			kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) ||
			a.region.localeCompare(b.region));
		return { sites, groups: list, impact };
	}

	function svg(tag, attrs, text) {
		const e = document.createElementNS(SVGNS, tag);
		for (const [k, v] of Object.entries(attrs || {}))
			e.setAttribute(k, v);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function clip(s, n) {
		return s.length > n ? s.slice(0, n - 1) + "…" : s;
	}

	/* A node's second line: what it holds and why it matters. */
	function detail(parts, t, num) {
		const out = [];
		if (parts.stock)
			out.push(t("tree.stock", { n: num(parts.stock) }));
		if (parts.late)
			out.push(t("tree.late", { n: parts.count > 1 ? num(parts.late) : "" }).trim());
		if (parts.diverted)
			out.push(t("tree.diverted", { n: parts.count > 1 ? num(parts.diverted) : "" }).trim());
		if (!out.length && parts.dispensed)
			out.push(t("tree.dispensed", { n: num(parts.dispensed) }));
		return out.join(" · ");
	}

	function tally(nodes) {
		const p = { count: nodes.length, stock: 0, late: 0, diverted: 0, dispensed: 0, why: [] };
		for (const n of nodes) {
			p.stock += held(n.s);
			p.dispensed += n.s.dispensed;
			p.late += n.why.includes("late") ? 1 : 0;
			p.diverted += n.why.includes("diverted") ? 1 : 0;
			for (const w of n.why)
				if (!p.why.includes(w))
					p.why.push(w);
		}
		return p;
	}

	/*
	 * Draw m into container.  expanded: the keys of groups the reader
	 * opened (changed here when a group is clicked, then onToggle()).
	 * Returns {nodes, width, height}: site nodes drawn one by one.
	 */
	function draw(container, m, expanded, opts) {
		const { t, num, kindName, onToggle } = opts;
		const place = new Map();	/* site id → the node it is drawn in */
		const boxes = [];		/* {x, y, cls, label, sub, title, group?, site?} */
		const heads = [];
		const columns = new Map();
		for (const g of m.groups) {
			if (!columns.has(g.depth))
				columns.set(g.depth, []);
			columns.get(g.depth).push(g);
		}
		const ncol = columns.size ? Math.max(...columns.keys()) + 1 : 0;
		let height = TOP;
		for (const [depth, groups] of columns) {
			const x = MARGIN + depth * (NODE_W + COL_GAP);
			let y = TOP;
			for (const g of groups) {
				/* A group of SHOW or fewer is drawn whole: folding it saves nothing. */
				const open = expanded.has(g.key) || g.members.length <= SHOW;
				const mattering = g.members.filter((n) => n.why.length);
				const shown = open ? g.members : mattering.slice(0, SHOW);
				const folded = open ? [] : g.members.filter((n) => !shown.includes(n));
				const title = [kindName(g.kind), g.region].filter(Boolean).join(" · ");
				heads.push({ x, y, g, open,
					     label: `${open ? "▾" : "▸"} ${title} · ${t("tree.sites", { n: num(g.members.length) })}` });
				y += HEAD_H;
				for (const n of shown) {
					const name = n.s.name && n.s.name !== n.s.site ? `${n.s.site} ${n.s.name}` : n.s.site;
					const box = { x, y, cls: cls(n.why), label: clip(name, 28),
						      sub: detail(tally([n]), t, num), title: name, site: n.s.site };
					boxes.push(box);
					place.set(n.s.site, box);
					y += NODE_H + GAP;
				}
				if (folded.length) {
					const p = tally(folded);
					const box = { x, y, cls: cls(p.why) + " group", group: g,
						      label: t("tree.more", { n: num(folded.length) }),
						      sub: detail(p, t, num), title: t("tree.expand") };
					boxes.push(box);
					for (const n of folded)
						place.set(n.s.site, box);
					y += NODE_H + GAP;
				}
				y += GROUP_GAP;
			}
			height = Math.max(height, y);
		}
		const width = MARGIN * 2 + Math.max(1, ncol) * NODE_W + Math.max(0, ncol - 1) * COL_GAP;
		const root = svg("svg", { class: "tree", width, height, viewBox: `0 0 ${width} ${height}`,
					  role: "img", "aria-label": t("recall.tree") });
		/* Edges first, under the nodes; folded sites' edges added up. */
		const flows = new Map();
		const add = (from, to, units, kind) => {
			const a = place.get(from), b = place.get(to);
			if (!a || !b || a === b)
				return;
			const key = `${boxes.indexOf(a)}>${boxes.indexOf(b)}>${kind}`;
			const f = flows.get(key) || { a, b, units: 0, kind };
			f.units += units;
			flows.set(key, f);
		};
		for (const e of m.impact.edges)
			add(e.from, e.to, e.units, e.kind === "return" ? "return" : "ship");
		for (const e of m.impact.transit)
			add(e.from, e.to, e.units, "transit");
		const edges = svg("g", { class: "edges" });
		const labels = flows.size <= 80;
		for (const f of flows.values()) {
			const ay = f.a.y + NODE_H / 2, by = f.b.y + NODE_H / 2;
			let d;
			if (f.b.x > f.a.x) {
				const x1 = f.a.x + NODE_W, x2 = f.b.x, mid = (x1 + x2) / 2;
				d = `M${x1},${ay} C${mid},${ay} ${mid},${by} ${x2},${by}`;
			} else if (f.b.x < f.a.x) {
				const x1 = f.a.x, x2 = f.b.x + NODE_W, mid = (x1 + x2) / 2;
				d = `M${x1},${ay} C${mid},${ay} ${mid},${by} ${x2},${by}`;
			} else {	/* within a column: out to the right and back */
				const x = f.a.x + NODE_W, bow = Math.min(COL_GAP - 20, 30 + Math.abs(by - ay) / 4);
				d = `M${x},${ay} C${x + bow},${ay} ${x + bow},${by} ${x},${by}`;
			}
			const w = Math.min(8, 1 + Math.log10(1 + f.units) * 1.6);
			const p = svg("path", { d, class: `edge ${f.kind === "ship" ? "" : f.kind}`.trim(),
					       "stroke-width": w.toFixed(1) });
			p.append(svg("title", {}, t(`tree.edge.${f.kind}`, { n: num(f.units) })));
			edges.append(p);
			if (labels) {
				const lx = f.b.x > f.a.x ? (f.a.x + NODE_W + f.b.x) / 2 : f.a.x + NODE_W + 8;
				edges.append(svg("text", { x: lx, y: (ay + by) / 2 - 3, class: "elabel",
							   "text-anchor": "middle" }, num(f.units)));
			}
		}
		root.append(edges);
		for (const h of heads) {
			const g = svg("g", { class: "ghead", "data-group": h.g.key, tabindex: "0",
					     role: "button", "aria-expanded": String(h.open) });
			if (h.g.members.length <= SHOW) {	/* nothing to open */
				g.append(svg("rect", { x: h.x, y: h.y, width: NODE_W, height: HEAD_H - 4, rx: 4 }));
				g.append(svg("text", { x: h.x + 6, y: h.y + 14 }, h.label.slice(2)));
				g.classList.add("whole");
				root.append(g);
				continue;
			}
			g.append(svg("rect", { x: h.x, y: h.y, width: NODE_W, height: HEAD_H - 4, rx: 4 }));
			g.append(svg("text", { x: h.x + 6, y: h.y + 14 }, h.label));
			const toggle = () => {
				if (expanded.has(h.g.key))
					expanded.delete(h.g.key);
				else
					expanded.add(h.g.key);
				onToggle();
			};
			yima.activate(g, toggle);
			root.append(g);
		}
		let drawn = 0;
		for (const b of boxes) {
			const g = svg("g", { class: `node ${b.cls}` });
			if (b.site) {
				g.setAttribute("data-site", b.site);
				drawn++;
			}
			if (b.group) {
				g.setAttribute("data-group", b.group.key);
				g.addEventListener("click", () => {
					expanded.add(b.group.key);
					onToggle();
				});
			}
			g.append(svg("title", {}, b.title));
			g.append(svg("rect", { x: b.x, y: b.y, width: NODE_W, height: NODE_H, rx: 6 }));
			g.append(svg("text", { x: b.x + 8, y: b.y + 16 }, b.label));
			g.append(svg("text", { x: b.x + 8, y: b.y + 32, class: "sub" }, clip(b.sub, 32)));
			root.append(g);
		}
		container.replaceChildren(root);
		return { nodes: drawn, width, height };
	}

	return { model, draw, held, afterRecall, byWeight, SHOW };
})();
