/*
 * recall.js — the regulator's page: a lot's impact (GET /v1/impact?product=
 * &lot=, the keys of IMPACT: proto/PROTOCOL.md) as totals, acknowledgement
 * progress and late sites, the distribution tree (tree.js) and a table of
 * the sites; and a code's trace (GET /v1/trace?code=).
 *
 * A lot can be spread over hundreds of sites: the table groups them by
 * kind (and region when a site record has one) and shows each group's
 * sums and the sites that matter (holding or awaiting stock, past the
 * deadline, diverted, moving the lot after the recall); the reader opens
 * a group to see all of it.  Diverted sites are not in IMPACT's answer:
 * they are the sites of the diversion alerts (GET /v1/alerts) whose code
 * TRACE puts in this lot, looked up after the impact is drawn.
 *
 * recall.html?product=P&lot=L (and &code=C for a trace) opens with them.
 */
"use strict";

yima.strings({
	zh: {
		"recall.title": "批次召回影响",
		"recall.product": "产品编码",
		"recall.lot": "批号",
		"recall.show": "查看影响",
		"recall.totals": "总量",
		"recall.progress": "确认进度",
		"recall.tree": "流向图",
		"recall.tree.hint": "按层级、站点类型（及地区）分组；默认只列出仍有库存、逾期未确认或有窜货的站点，点击分组可展开。",
		"recall.expand.all": "全部展开",
		"recall.collapse.all": "全部收起",
		"recall.sites": "各站点",
		"recall.derived": "分装去向",
		"status.recalled": "已召回",
		"derived.hint": "由本批次分装、改包装得到的批次（含多级）；源批次召回时，其产品同样按召回处理。",
		"derived.from": "来源批次",
		"derived.units": "单位",
		"derived.recalled": "随源批次召回",
		"c.product": "产品",
		"c.lot": "批号",
		"status.active": "未召回",
		"status.line": "产品 {product} · 批号 {lot} · 有效期至 {expiry}",
		"status.recall": "{level} 级召回 · {time} · 原因：{reason} · 确认期限 {deadline}",
		"legend.stock": "有库存或在途",
		"legend.late": "逾期未确认",
		"legend.diverted": "窜货",
		"legend.quiet": "其他",
		"t.units": "单位总数",
		"t.in_stock": "库存",
		"t.in_transit": "在途",
		"t.dispensed": "已售出/使用",
		"t.destroyed": "已销毁",
		"t.sample": "抽样",
		"t.exported": "出口",
		"t.stolen": "被盗",
		"t.checked_out": "科室领用",
		"t.sites": "站点",
		"t.acknowledged": "已确认",
		"t.past_deadline": "逾期未确认",
		"t.cold_chain_breaks": "冷链中断",
		"t.transformed": "已分装",
		"t.derived_units": "分装产品",
		"t.middle_packs": "中包装",
		"t.cases": "箱",
		"t.pallets": "托盘",
		"t.after_recall.commissioned": "召回后赋码",
		"t.after_recall.shipped": "召回后发货",
		"t.after_recall.received": "召回后收货",
		"ack.progress": "已确认 {a} / {n} 个站点",
		"ack.late": "逾期未确认：{n} 个站点（期限 {deadline}）",
		"ack.none": "无逾期站点。",
		"ack.more": "另有 {n} 个",
		"ack.notrecalled": "此批次未被召回：没有确认进度。",
		"tree.sites": "{n} 家",
		"tree.stock": "库存 {n}",
		"tree.late": "逾期 {n}",
		"tree.diverted": "窜货 {n}",
		"tree.dispensed": "售出 {n}",
		"tree.more": "另 {n} 家",
		"tree.expand": "点击展开",
		"tree.edge.ship": "收货 {n} 单位",
		"tree.edge.return": "退货 {n} 单位",
		"tree.edge.transit": "在途 {n} 单位",
		"div.checking": "正在根据警报查找窜货站点…",
		"div.found": "窜货：{n} 个站点收到本批次的窜货（依据窜货警报）。",
		"div.none": "未发现本批次的窜货警报。",
		"div.unknown": "无法查询窜货警报：{msg}",
		"div.capped": "（只核对了 {n} / {all} 条窜货警报）",
		"c.site": "站点",
		"c.name": "名称",
		"c.commissioned": "赋码",
		"c.received": "收货",
		"c.in_stock": "库存",
		"c.in_transit": "发出在途",
		"c.incoming": "待收",
		"c.dispensed": "售出",
		"c.destroyed": "销毁",
		"c.middle_packs": "中包装",
		"c.cases": "箱",
		"c.pallets": "托盘",
		"c.returned": "召回后退货",
		"c.after_recall": "召回后移动",
		"c.acknowledged": "确认时间",
		"c.state": "状态",
		"g.sites": "{n} 个站点",
		"g.all": "显示全部 {n}",
		"g.less": "收起",
		"g.hidden": "另有 {n} 个站点未列出（无库存、未逾期）",
		"g.hidden.some": "另有 {n} 个站点未列出，其中 {m} 个有库存、逾期或窜货",
		"badge.late": "逾期",
		"badge.diverted": "窜货",
		"badge.after": "召回后仍移动",
		"trace.title": "追溯码流向",
		"trace.code": "追溯码",
		"trace.show": "查看流向",
		"trace.events": "事件",
		"trace.alerts": "警报",
		"trace.noalerts": "无警报。",
		"f.product": "产品",
		"f.lot": "批号",
		"f.expiry": "有效期至",
		"f.status": "状态",
		"f.holder": "持有方",
		"f.recalled": "已召回",
		"st.active": "在库",
		"st.in_transit": "在途",
		"st.dispensed": "已售出/使用",
		"st.destroyed": "已销毁",
		"yes": "是",
		"no": "否",
		"e.seq": "序号",
		"e.time": "时间",
		"e.event": "事件",
		"e.where": "地点",
		"e.detail": "详情",
		"ev.commission": "赋码",
		"ev.pack": "装箱",
		"ev.unpack": "拆箱",
		"ev.ship": "发货",
		"ev.receive": "收货",
		"ev.return": "退货",
		"ev.dispense": "售出/使用",
		"ev.undo": "撤销售出",
		"ev.destroy": "销毁",
		"ev.recall": "召回",
		"ev.lift": "解除召回",
		"ev.withdraw": "撤市",
		"ev.lock": "冻结",
		"ev.unlock": "解冻",
		"d.diverted": "窜货",
		"d.via": "随 {c}",
		"d.codes": "{n} 个码",
		"d.level": "{n} 级",
		"ak.duplicate": "重复售出",
		"ak.unknown": "未知码",
		"ak.diversion": "窜货",
		"ak.cold_chain_break": "冷链中断",
	},
	en: {
		"recall.title": "A lot's recall impact",
		"recall.product": "Product",
		"recall.lot": "Lot",
		"recall.show": "Show impact",
		"recall.totals": "Totals",
		"recall.progress": "Acknowledgements",
		"recall.tree": "Distribution tree",
		"recall.tree.hint": "Grouped by tier and site kind (and region); each group shows the sites holding stock, late or diverted: click a group to open it.",
		"recall.expand.all": "Expand all",
		"recall.collapse.all": "Collapse all",
		"recall.sites": "Sites",
		"recall.derived": "Repackaged into",
		"status.recalled": "Recalled",
		"derived.hint": "Lots repackaged or relabelled from this lot, at any depth; a recall of the source reaches their packs.",
		"derived.from": "From lot",
		"derived.units": "Units",
		"derived.recalled": "recalled with its source",
		"c.product": "Product",
		"c.lot": "Lot",
		"status.active": "Not recalled",
		"status.line": "Product {product} · lot {lot} · expires {expiry}",
		"status.recall": "Level {level} recall · {time} · reason: {reason} · acknowledge by {deadline}",
		"legend.stock": "Holding or awaiting stock",
		"legend.late": "Late to acknowledge",
		"legend.diverted": "Diverted",
		"legend.quiet": "Other",
		"t.units": "Units",
		"t.in_stock": "In stock",
		"t.in_transit": "In transit",
		"t.dispensed": "Dispensed",
		"t.destroyed": "Destroyed",
		"t.sample": "Sample",
		"t.exported": "Exported",
		"t.stolen": "Stolen",
		"t.checked_out": "Checked out",
		"t.sites": "Sites",
		"t.acknowledged": "Acknowledged",
		"t.past_deadline": "Late",
		"t.cold_chain_breaks": "Cold-chain breaks",
		"t.transformed": "Repackaged",
		"t.derived_units": "Repackaged products",
		"t.middle_packs": "Middle packs",
		"t.cases": "Cases",
		"t.pallets": "Pallets",
		"t.after_recall.commissioned": "Made after recall",
		"t.after_recall.shipped": "Shipped after recall",
		"t.after_recall.received": "Received after recall",
		"ack.progress": "{a} of {n} sites acknowledged",
		"ack.late": "Late: {n} sites have not acknowledged (deadline {deadline})",
		"ack.none": "No site is late.",
		"ack.more": "{n} more",
		"ack.notrecalled": "This lot is not recalled: nothing to acknowledge.",
		"tree.sites": "{n} sites",
		"tree.stock": "stock {n}",
		"tree.late": "late {n}",
		"tree.diverted": "diverted {n}",
		"tree.dispensed": "sold {n}",
		"tree.more": "{n} more sites",
		"tree.expand": "click to open",
		"tree.edge.ship": "{n} units received",
		"tree.edge.return": "{n} units returned",
		"tree.edge.transit": "{n} units in transit",
		"div.checking": "Looking for diverted sites in the alerts…",
		"div.found": "Diverted: {n} sites received units of this lot that were sent elsewhere (diversion alerts).",
		"div.none": "No diversion alert for this lot.",
		"div.unknown": "Could not read the diversion alerts: {msg}",
		"div.capped": " (checked {n} of {all} diversion alerts)",
		"c.site": "Site",
		"c.name": "Name",
		"c.commissioned": "Made",
		"c.received": "Received",
		"c.in_stock": "In stock",
		"c.in_transit": "Sent, in transit",
		"c.incoming": "Incoming",
		"c.dispensed": "Dispensed",
		"c.destroyed": "Destroyed",
		"c.middle_packs": "Middle packs",
		"c.cases": "Cases",
		"c.pallets": "Pallets",
		"c.returned": "Returned",
		"c.after_recall": "Moved after recall",
		"c.acknowledged": "Acknowledged",
		"c.state": "State",
		"g.sites": "{n} sites",
		"g.all": "Show all {n}",
		"g.less": "Show fewer",
		"g.hidden": "{n} more sites not listed (no stock, not late)",
		"g.hidden.some": "{n} more sites not listed, {m} of them holding stock, late or diverted",
		"badge.late": "late",
		"badge.diverted": "diverted",
		"badge.after": "moved after recall",
		"trace.title": "A code's trace",
		"trace.code": "Code",
		"trace.show": "Show trace",
		"trace.events": "Events",
		"trace.alerts": "Alerts",
		"trace.noalerts": "No alerts.",
		"f.product": "Product",
		"f.lot": "Lot",
		"f.expiry": "Expires",
		"f.status": "Status",
		"f.holder": "Holder",
		"f.recalled": "Recalled",
		"st.active": "in stock",
		"st.in_transit": "in transit",
		"st.dispensed": "dispensed",
		"st.destroyed": "destroyed",
		"yes": "yes",
		"no": "no",
		"e.seq": "#",
		"e.time": "Time",
		"e.event": "Event",
		"e.where": "Where",
		"e.detail": "Detail",
		"ev.commission": "commissioned",
		"ev.pack": "packed",
		"ev.unpack": "unpacked",
		"ev.ship": "shipped",
		"ev.receive": "received",
		"ev.return": "returned",
		"ev.dispense": "dispensed",
		"ev.undo": "sale undone",
		"ev.destroy": "destroyed",
		"ev.recall": "recalled",
		"ev.lift": "recall lifted",
		"ev.withdraw": "withdrawn",
		"ev.lock": "locked",
		"ev.unlock": "unlocked",
		"d.diverted": "diverted",
		"d.via": "in {c}",
		"d.codes": "{n} codes",
		"d.level": "level {n}",
		"ak.duplicate": "duplicate sale",
		"ak.unknown": "unknown code",
		"ak.diversion": "diversion",
		"ak.cold_chain_break": "cold-chain break",
	},
});

const TOTALS = ["units", "in_stock", "in_transit", "dispensed", "destroyed", "sample",
		"exported", "stolen", "checked_out", "sites",
		"acknowledged", "past_deadline", "middle_packs", "cases", "pallets", "cold_chain_breaks",
		"transformed", "derived_units", "after_recall.commissioned", "after_recall.shipped", "after_recall.received"];
/* The table's number columns: IMPACT's keys of a site. */
const COUNTS = ["commissioned", "received", "in_stock", "in_transit", "incoming", "dispensed",
		"destroyed", "middle_packs", "cases", "pallets", "returned", "after_recall"];
const TABLE_SHOW = 20;		/* sites of a closed group listed */
const LATE_SHOW = 30;
const DIVERSION_LOOKUPS = 200;	/* TRACE calls to place diversion alerts in a lot */

let current = null;		/* {impact, diverted: Set, divNote} */
let traceShown = null;
const treeOpen = new Set();
const tableOpen = new Set();
let lateAll = false;

function value(obj, path) {
	return path.split(".").reduce((o, k) => (o ? o[k] : undefined), obj);
}

function count(s, key) {
	return key === "after_recall" ? yimaTree.afterRecall(s) : s[key];
}

function drawStatus(imp) {
	const { el, t, time } = yima;
	const line = document.getElementById("status-line");
	const recalled = imp.status === "recalled";
	line.replaceChildren(...[
		el("span", { id: "lot-status", class: `badge ${recalled ? "red" : "green"}`,
			     dataset: { status: imp.status }, text: t(`status.${imp.status}`) }), " ",
		t("status.line", { product: imp.product, lot: imp.lot, expiry: imp.expiry }),
		recalled && imp.recall ? el("br") : null,
		recalled && imp.recall ? t("status.recall", {
			level: imp.level, time: time(imp.recall.time), reason: imp.recall.reason,
			deadline: time(imp.recall.deadline) }) : null].filter(Boolean));
}

function drawTotals(imp) {
	const { el, t, num } = yima;
	const box = document.getElementById("totals");
	box.replaceChildren(...TOTALS.map((k) => {
		const v = value(imp.totals, k);
		const bad = (k === "past_deadline" || k === "cold_chain_breaks" ||
			     k.startsWith("after_recall")) && v > 0;
		return el("div", { class: `card${bad ? " bad" : ""}`, dataset: { k } },
			  el("div", { class: "n", text: num(v) }), el("div", { class: "k", text: t(`t.${k}`) }));
	}));
}

function drawAck(imp) {
	const { el, t, num, time } = yima;
	const box = document.getElementById("ack");
	if (imp.status !== "recalled") {
		box.replaceChildren(el("p", { class: "hint", text: t("ack.notrecalled") }));
		return;
	}
	const n = imp.totals.sites, a = imp.totals.acknowledged;
	const late = imp.sites.filter((s) => s.past_deadline);
	const shown = lateAll ? late : late.slice(0, LATE_SHOW);
	const bar = el("div", { class: "progress", role: "progressbar", "aria-valuemin": "0",
				"aria-valuemax": String(n), "aria-valuenow": String(a) }, el("div"));
	bar.firstChild.style.width = `${n ? (100 * a) / n : 0}%`;
	box.replaceChildren(...[
		el("p", { id: "ack-progress", text: t("ack.progress", { a: num(a), n: num(n) }) }),
		bar,
		el("p", { id: "ack-late", text: late.length ? t("ack.late", {
			n: num(late.length), deadline: time(imp.recall && imp.recall.deadline) }) :
			t("ack.none") }),
		late.length ? el("ul", { class: "late", id: "late-sites" }, shown.map((s) =>
			el("li", { dataset: { site: s.site } },
			   s.name && s.name !== s.site ? `${s.site} ${s.name}` : s.site,
			   el("span", { class: "hint", text: ` · ${yima.kindName(s.kind)}` })))) : null,
		late.length > shown.length ? el("button", {
			type: "button", class: "plain", text: t("ack.more", { n: num(late.length - shown.length) }),
			onclick: () => { lateAll = true; drawAck(imp); } }) : null].filter(Boolean));
}

function drawTree() {
	const m = yimaTree.model(current.impact, current.diverted);
	yimaTree.draw(document.getElementById("tree"), m, treeOpen, {
		t: yima.t, num: yima.num, kindName: yima.kindName, onToggle: drawTree });
	const note = document.getElementById("diverted-note");
	note.textContent = current.divNote;
	return m;
}

/* Sites grouped by kind and region, each group summed. */
function tableGroups(imp) {
	const groups = new Map();
	for (const s of imp.sites) {
		const key = `${s.kind || ""}|${s.region || ""}`;
		if (!groups.has(key))
			groups.set(key, { key, kind: s.kind || "", region: s.region || "", sites: [] });
		groups.get(key).sites.push(s);
	}
	return [...groups.values()];
}

function drawTable() {
	const { el, t, num, time } = yima;
	const imp = current.impact;
	const m = yimaTree.model(imp, current.diverted);
	const table = document.getElementById("sites");
	const head = el("tr", {}, el("th", { text: t("c.site") }), el("th", { text: t("c.name") }),
			COUNTS.map((k) => el("th", { class: "num", text: t(`c.${k}`) })),
			el("th", { text: t("c.acknowledged") }), el("th", { text: t("c.state") }));
	const body = el("tbody");
	for (const g of tableGroups(imp)) {
		const nodes = g.sites.map((s) => m.sites.get(s.site)).sort(yimaTree.byWeight);
		const open = tableOpen.has(g.key) || nodes.length <= TABLE_SHOW;
		const mattering = nodes.filter((n) => n.why.length);
		const shown = open ? nodes : mattering.slice(0, TABLE_SHOW);
		const title = [yima.kindName(g.kind), g.region].filter(Boolean).join(" · ");
		const toggle = el("button", { type: "button", class: "plain",
			text: open ? t("g.less") : t("g.all", { n: num(nodes.length) }),
			onclick: () => {
				if (open)
					tableOpen.delete(g.key);
				else
					tableOpen.add(g.key);
				drawTable();
			} });
		body.append(el("tr", { class: "group", dataset: { group: g.key } },
			el("td", { colspan: "2" }, `${title} · ${t("g.sites", { n: num(nodes.length) })} `,
			   nodes.length > TABLE_SHOW ? toggle : null),
			COUNTS.map((k) => el("td", { class: "num", dataset: { k },
				text: num(g.sites.reduce((sum, s) => sum + count(s, k), 0)) })),
			el("td"), el("td")));
		for (const n of shown) {
			const s = n.s;
			const badges = [];
			if (n.why.includes("late"))
				badges.push(el("span", { class: "badge red", text: t("badge.late") }));
			if (n.why.includes("diverted"))
				badges.push(el("span", { class: "badge amber", text: t("badge.diverted") }));
			if (n.why.includes("after"))
				badges.push(el("span", { class: "badge amber", text: t("badge.after") }));
			body.append(el("tr", {
				class: [n.why.includes("late") ? "late" : "", n.why.length ? "" : "quiet"]
					.filter(Boolean).join(" ") || null,
				dataset: { site: s.site } },
				el("td", { dataset: { k: "site" }, text: s.site }),
				el("td", { dataset: { k: "name" }, text: s.name }),
				COUNTS.map((k) => el("td", { class: "num", dataset: { k },
					title: k === "after_recall" ? JSON.stringify(s.after_recall) : null,
					text: num(count(s, k)) })),
				el("td", { dataset: { k: "acknowledged" }, text: time(s.acknowledged) }),
				el("td", {}, badges)));
		}
		const hidden = nodes.length - shown.length;
		const hiddenMattering = mattering.length - shown.filter((n) => n.why.length).length;
		if (hidden)
			body.append(el("tr", { class: "quiet" }, el("td", {
				colspan: String(COUNTS.length + 4),
				text: hiddenMattering ? t("g.hidden.some", { n: num(hidden), m: num(hiddenMattering) }) :
					t("g.hidden", { n: num(hidden) }) })));
	}
	table.replaceChildren(el("thead", {}, head), body);
}

/* The lots repackaged from this one (IMPACT's `derived`), one row each. */
function drawDerived(imp) {
	const { el, t, num } = yima;
	const derived = imp.derived || [];
	document.getElementById("derived-section").hidden = derived.length === 0;
	const table = document.getElementById("derived");
	const cols = ["in_stock", "in_transit", "dispensed", "destroyed"];
	const head = el("tr", {}, el("th", { text: t("c.product") }), el("th", { text: t("c.lot") }),
			el("th", { text: t("derived.from") }), el("th", { text: t("c.state") }),
			el("th", { class: "num", text: t("derived.units") }),
			cols.map((k) => el("th", { class: "num", text: t(`c.${k}`) })));
	const recalledSource = imp.status === "recalled";
	const rows = derived.map((d) => {
		const red = d.status === "recalled" || recalledSource;
		return el("tr", { dataset: { lot: d.lot, product: d.product } },
			el("td", { text: d.product }), el("td", { text: d.lot }),
			el("td", { text: d.from_lot }),
			el("td", {}, el("span", { class: `badge ${red ? "red" : "green"}`,
				text: d.status === "recalled" ? t("status.recalled") :
				      red ? t("derived.recalled") : t("status.active") })),
			el("td", { class: "num", dataset: { k: "units" }, text: num(d.units) }),
			cols.map((k) => el("td", { class: "num", dataset: { k }, text: num(d[k]) })));
	});
	table.replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
}

function drawImpact() {
	if (!current)
		return;
	document.getElementById("impact").hidden = false;
	drawStatus(current.impact);
	drawTotals(current.impact);
	drawAck(current.impact);
	drawTree();
	drawTable();
	drawDerived(current.impact);
	const all = document.getElementById("expand-all");
	all.textContent = yima.t(treeOpen.size || tableOpen.size ? "recall.collapse.all" :
				 "recall.expand.all");
}

/* The sites diversion alerts name whose code is of this lot. */
async function findDiverted(imp) {
	const ids = new Set(imp.sites.map((s) => s.site));
	const r = await yima.api("alerts", { limit: 10000 });
	if (!r.ok)
		return { sites: new Set(), note: yima.t("div.unknown", { msg: r.error }) };
	const alerts = r.body.filter((a) => a.kind === "diversion" && ids.has(a.site));
	const todo = alerts.slice(0, DIVERSION_LOOKUPS);
	const sites = new Set();
	let i = 0;
	const worker = async () => {
		while (i < todo.length) {
			const a = todo[i++];
			if (sites.has(a.site))
				continue;
			const tr = await yima.api("trace", { code: a.code });
			if (tr.ok && tr.body.product === imp.product && tr.body.lot === imp.lot)
				sites.add(a.site);
		}
	};
	await Promise.all([worker(), worker(), worker(), worker()]);
	let note = sites.size ? yima.t("div.found", { n: yima.num(sites.size) }) : yima.t("div.none");
	if (alerts.length > todo.length)
		note += yima.t("div.capped", { n: todo.length, all: alerts.length });
	return { sites, note };
}

async function loadImpact(product, lot) {
	const errBox = document.getElementById("impact-error");
	document.getElementById("impact").dataset.ready = "false";
	errBox.replaceChildren(yima.el("p", { class: "hint", text: yima.t("loading") }));
	const r = await yima.api("impact", { product, lot });
	if (!r.ok) {
		document.getElementById("impact").hidden = true;
		current = null;
		errBox.replaceChildren(yima.el("p", { class: "error", id: "impact-failed", text: r.message }));
		document.getElementById("impact").dataset.ready = "true";
		return;
	}
	errBox.replaceChildren();
	treeOpen.clear();
	tableOpen.clear();
	lateAll = false;
	current = { impact: r.body, diverted: new Set(), divNote: yima.t("div.checking") };
	drawImpact();
	const loaded = current;
	const d = await findDiverted(r.body);
	if (current !== loaded)	/* another lot asked for meanwhile */
		return;
	current.diverted = d.sites;
	current.divNote = d.note;
	drawImpact();
	document.getElementById("impact").dataset.ready = "true";
}

/* ---------------------------------------------------------------- trace */

function eventWhere(e) {
	if (e.from && e.to)
		return `${e.from} → ${e.to}`;
	if (e.site && e.from)
		return `${e.from} → ${e.site}`;
	return e.site || "";
}

function eventDetail(e) {
	const { t } = yima;
	const d = [];
	if (e.codes !== undefined)
		d.push(t("d.codes", { n: e.codes }));
	if (e.diverted)
		d.push(t("d.diverted"));
	if (e.level !== undefined)
		d.push(t("d.level", { n: e.level }));
	for (const k of ["ref", "tx", "reason", "container"])
		if (e[k])
			d.push(e[k]);
	if (e.qty !== undefined && e.qty !== 1)
		d.push(`× ${e.qty}`);
	if (e.via)
		d.push(t("d.via", { c: e.via }));
	return d.join(" · ");
}

function drawTrace() {
	const box = document.getElementById("trace");
	if (!traceShown)
		return;
	const { el, t, time } = yima;
	if (traceShown.error) {
		box.replaceChildren(el("p", { class: "error", id: "trace-failed", text: traceShown.error }));
		return;
	}
	const tr = traceShown.body;
	const facts = el("dl", { class: "facts" });
	const fact = (k, v) => facts.append(el("dt", { text: t(k) }), el("dd", { text: v }));
	fact("trace.code", tr.code);
	fact("f.product", tr.product_name ? `${tr.product_name}（${tr.product}）` : tr.product || "–");
	fact("f.lot", tr.lot || "–");
	fact("f.expiry", tr.expiry || "–");
	fact("f.status", t(`st.${tr.status}`));
	fact("f.holder", tr.holder);
	fact("f.recalled", t(tr.recalled ? "yes" : "no"));
	const events = el("table", { id: "trace-events", class: "timeline" },
		el("thead", {}, el("tr", {}, ["e.seq", "e.time", "e.event", "e.where", "e.detail"]
			.map((k) => el("th", { text: t(k) })))),
		el("tbody", {}, tr.events.map((e) => el("tr", { dataset: { seq: e.seq } },
			el("td", { class: "num", text: e.seq }),
			el("td", { title: e.time, text: time(e.time) }),
			el("td", { class: "ev", text: t(`ev.${e.event}`) }),
			el("td", { text: eventWhere(e) }),
			el("td", { text: eventDetail(e) })))));
	const alerts = tr.alerts.length ? el("table", { id: "trace-alerts" },
		el("tbody", {}, tr.alerts.map((a) => el("tr", {},
			el("td", { class: "num", text: a.id }),
			el("td", { text: time(a.time) }),
			el("td", { text: t(`ak.${a.kind}`) }),
			el("td", { text: a.site }),
			el("td", { text: a.tx || "" }))))) :
		el("p", { class: "hint", text: t("trace.noalerts") });
	box.replaceChildren(facts, el("h2", { text: t("trace.events") }),
			    el("div", { class: "table-wrap" }, events),
			    el("h2", { text: t("trace.alerts") }), alerts);
}

async function loadTrace(code) {
	document.getElementById("trace").replaceChildren(
		yima.el("p", { class: "hint", text: yima.t("loading") }));
	const r = await yima.api("trace", { code });
	traceShown = r.ok ? { body: r.body } : { error: r.message };
	drawTrace();
}

document.addEventListener("DOMContentLoaded", () => {
	const params = new URLSearchParams(location.search);
	const product = document.getElementById("product");
	const lot = document.getElementById("lot");
	const code = document.getElementById("trace-code");
	yima.bindToken(() => {
		if (current)
			loadImpact(current.impact.product, current.impact.lot);
	});
	document.getElementById("impact-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		const q = new URLSearchParams({ product: product.value.trim(), lot: lot.value.trim() });
		history.replaceState(null, "", `?${q}`);
		loadImpact(product.value.trim(), lot.value.trim());
	});
	document.getElementById("trace-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		loadTrace(code.value.trim());
	});
	document.getElementById("expand-all").addEventListener("click", () => {
		if (!current)
			return;
		if (treeOpen.size || tableOpen.size) {
			treeOpen.clear();
			tableOpen.clear();
		} else {
			const m = yimaTree.model(current.impact, current.diverted);
			for (const g of m.groups)
				treeOpen.add(g.key);
			for (const g of tableGroups(current.impact))
				tableOpen.add(g.key);
		}
		drawImpact();
	});
	yima.onLang(() => {
		drawImpact();
		drawTrace();
	});
	if (params.get("product") && params.get("lot")) {
		product.value = params.get("product");
		lot.value = params.get("lot");
		loadImpact(product.value, lot.value);
	}
	if (params.get("code")) {
		code.value = params.get("code");
		loadTrace(code.value);
	}
});
