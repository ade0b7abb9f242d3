/*
 * alerts.js — the alerts page: GET /v1/alerts with its filters (site,
 * since, kind, status, limit: ALERTS [SITE s] [SINCE t] [KIND k] [STATUS st]
 * [LIMIT n]) as a table sorted by any column (newest first, as ALERTS
 * answers, until a header is clicked).  The keys are ALERTS's: id, time,
 * kind, site, code, tx, first_sale_site, first_sale_time, and the handling
 * a regulator gave (ALERT SET): status, class, note.
 *
 * "since" takes a day (YYYY-MM-DD: from midnight in the reader's time zone)
 * or an ISO 8601 time with its offset, as ALERTS does.
 */
"use strict";

yima.strings({
	zh: {
		"alerts.title": "警报",
		"alerts.site": "站点",
		"alerts.site.any": "全部站点",
		"alerts.since": "起始时间",
		"alerts.limit": "条数上限",
		"alerts.kind": "类型",
		"alerts.status": "处理状态",
		"alerts.any": "全部",
		"alerts.show": "查询",
		"alerts.count": "共 {n} 条警报（最新在前）",
		"alerts.sorted": "共 {n} 条警报",
		"alerts.none": "没有符合条件的警报。",
		"a.id": "编号",
		"a.time": "时间",
		"a.kind": "类型",
		"a.site": "站点",
		"a.code": "追溯码",
		"a.tx": "交易号",
		"a.first_sale_site": "首次售出站点",
		"a.first_sale_time": "首次售出时间",
		"ak.duplicate": "重复售出",
		"ak.unknown": "未知码",
		"ak.diversion": "窜货",
		"ak.cold_chain_break": "冷链中断",
		"a.status": "处理状态",
		"a.class": "定性",
		"as.open": "待处理",
		"as.investigating": "调查中",
		"as.closed": "已结案",
		"ac.confirmed_counterfeit": "确认假药",
		"ac.resale": "倒卖",
		"ac.user_error": "操作失误",
		"ac.system_error": "系统错误",
		"ac.other": "其他",
	},
	en: {
		"alerts.title": "Alerts",
		"alerts.site": "Site",
		"alerts.site.any": "every site",
		"alerts.since": "Since",
		"alerts.limit": "At most",
		"alerts.kind": "Kind",
		"alerts.status": "Status",
		"alerts.any": "any",
		"alerts.show": "Show",
		"alerts.count": "{n} alerts (newest first)",
		"alerts.sorted": "{n} alerts",
		"alerts.none": "No alert matches.",
		"a.id": "#",
		"a.time": "Time",
		"a.kind": "Kind",
		"a.site": "Site",
		"a.code": "Code",
		"a.tx": "TX",
		"a.first_sale_site": "First sold at",
		"a.first_sale_time": "First sold",
		"ak.duplicate": "duplicate sale",
		"ak.unknown": "unknown code",
		"ak.diversion": "diversion",
		"ak.cold_chain_break": "cold-chain break",
		"a.status": "Status",
		"a.class": "Class",
		"as.open": "open",
		"as.investigating": "investigating",
		"as.closed": "closed",
		"ac.confirmed_counterfeit": "confirmed counterfeit",
		"ac.resale": "resale",
		"ac.user_error": "user error",
		"ac.system_error": "system error",
		"ac.other": "other",
	},
});

const COLUMNS = ["id", "time", "kind", "site", "code", "tx", "first_sale_site", "first_sale_time",
		 "status", "class"];
const KIND_COLOUR = { duplicate: "red", unknown: "red", diversion: "amber" };
const STATUS_COLOUR = { open: "red", investigating: "amber", closed: "green" };

let rows = null;		/* as ALERTS answered */
let failure = null;
let sortKey = null, sortDir = 1;

/* A day means its midnight here; anything else goes as typed. */
function sinceParam(text) {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
	if (!m)
		return text;
	const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
	return isNaN(d) ? text : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function compare(a, b) {
	const x = a[sortKey], y = b[sortKey];
	if (x === y)
		return 0;
	if (x === undefined || x === null)
		return 1;	/* absent last, either way */
	if (y === undefined || y === null)
		return -1;
	return (typeof x === "number" ? x - y : String(x).localeCompare(String(y))) * sortDir;
}

function draw() {
	const { el, t, num, time } = yima;
	const table = document.getElementById("alerts");
	const summary = document.getElementById("alerts-summary");
	const err = document.getElementById("alerts-error");
	if (failure) {
		err.replaceChildren(el("p", { class: "error", id: "alerts-failed", text: failure }));
		table.replaceChildren();
		summary.textContent = "";
		return;
	}
	err.replaceChildren();
	if (rows === null)
		return;
	const list = sortKey ? [...rows].sort(compare) : rows;
	summary.textContent = rows.length ? t(sortKey ? "alerts.sorted" : "alerts.count",
					      { n: num(rows.length) }) : t("alerts.none");
	const head = el("tr", {}, COLUMNS.map((k) => {
		const th = el("th", { class: `sortable${k === "id" ? " num" : ""}`, dataset: { k },
				      tabindex: "0", text: t(`a.${k}`),
				      "aria-sort": sortKey === k ? (sortDir > 0 ? "ascending" : "descending") :
						   "none" });
		const sort = () => {
			sortDir = sortKey === k ? -sortDir : 1;
			sortKey = k;
			draw();
		};
		yima.activate(th, sort);
		return th;
	}));
	const body = el("tbody", {}, list.map((a) => el("tr", { dataset: { id: a.id } },
		el("td", { class: "num", dataset: { k: "id" }, text: a.id }),
		el("td", { dataset: { k: "time" }, title: a.time, text: time(a.time) }),
		el("td", { dataset: { k: "kind", kind: a.kind } },
		   el("span", { class: `badge ${KIND_COLOUR[a.kind] || ""}`, text: t(`ak.${a.kind}`) })),
		el("td", { dataset: { k: "site" }, text: a.site }),
		el("td", { dataset: { k: "code" }, text: a.code }),
		el("td", { dataset: { k: "tx" }, text: a.tx || "" }),
		el("td", { dataset: { k: "first_sale_site" }, text: a.first_sale_site || "" }),
		el("td", { dataset: { k: "first_sale_time" }, title: a.first_sale_time || null,
			   text: a.first_sale_time ? time(a.first_sale_time) : "" }),
		el("td", { dataset: { k: "status", status: a.status || "" } },
		   a.status ? el("span", { class: `badge ${STATUS_COLOUR[a.status] || ""}`,
					   text: t(`as.${a.status}`) }) : ""),
		/* The class, and the note as its tooltip. */
		el("td", { dataset: { k: "class", class: a.class || "" }, title: a.note || null,
			   text: a.class ? t(`ac.${a.class}`) : "" }))));
	table.replaceChildren(el("thead", {}, head), body);
}

async function load() {
	const site = document.getElementById("site").value.trim();
	const since = document.getElementById("since").value.trim();
	const limit = document.getElementById("limit").value.trim();
	const kind = document.getElementById("kind").value;
	const status = document.getElementById("status").value;
	document.getElementById("alerts").dataset.ready = "false";
	document.getElementById("alerts-summary").textContent = yima.t("loading");
	const r = await yima.api("alerts", { site, since: since ? sinceParam(since) : "", kind,
					     status, limit });
	rows = r.ok ? r.body : null;
	failure = r.ok ? null : r.message;
	sortKey = null;
	draw();
	document.getElementById("alerts").dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", () => {
	yima.bindToken(load);
	document.getElementById("alerts-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		load();
	});
	yima.onLang(draw);
	load();
});
