/*
 * verify.js — the consumer's page: a code typed or pasted, or the page's
 * own URL when yimad served it for a GS1 Digital Link path (the QR code on
 * a pack: https://host/01/<gtin>/21/<serial>...; yimad's code parser takes
 * the whole URL) → GET /v1/verify?code=… → the verdict in words and in
 * colour, with the product, lot and expiry.
 *
 * Only what VERIFY answers a client that has not signed in is shown
 * (daemon/verdict.c, the public view: verdict, reasons, message, code,
 * product, product_name, lot, expiry), whoever asks: a trusted local
 * browser gets more keys, and they are left out here too.
 */
"use strict";

yima.strings({
	zh: {
		"verify.title": "药品追溯码查询",
		"verify.intro": "输入或粘贴药盒上的追溯码（20 位数字码、GS1 码或二维码中的网址），查看这盒药是否正品。",
		"verify.label": "追溯码",
		"verify.placeholder": "例如 83012345678901234567",
		"verify.button": "查询",
		"verify.footer": "一码：药品追溯码核验",
		"verify.empty": "请输入追溯码。",
		"verify.closed": "本服务器未开放公众查询（public_verify 未开启）。",
		"fact.product": "产品",
		"fact.lot": "批号",
		"fact.expiry": "有效期至",
		"fact.code": "追溯码",
		"fact.details": "系统说明：",
		"o.genuine": "正品",
		"o.genuine.advice": "此追溯码有记录，可以放心使用。",
		"o.nearexpiry": "正品，即将过期",
		"o.nearexpiry.advice": "请在有效期（{expiry}）之前使用。",
		"o.expired": "已过期",
		"o.expired.advice": "请勿使用，可交回药店处理。",
		"o.recalled": "已召回",
		"o.recalled.advice": "该批次已被召回，请勿使用，并联系售药的药店。",
		"o.withdrawn": "已撤市",
		"o.withdrawn.advice": "该产品已撤出市场，请勿使用，并联系售药的药店。",
		"o.sold": "已售出",
		"o.sold.advice": "这盒药已登记售出。如果是您本人购买的，属正常；如果您在购买前查到此结果，请勿购买。",
		"o.unknown": "查无此码",
		"o.unknown.advice": "可能是假冒产品：请勿使用，并向药店或药品监管部门反映。",
		"o.locked": "已冻结",
		"o.locked.advice": "此码被标记为被盗或正在调查，请勿使用。",
		"o.destroyed": "已销毁",
		"o.destroyed.advice": "此码记录为已销毁，不应在市面出现，请勿使用。",
		"o.transit": "尚未到店",
		"o.transit.advice": "此药品仍在供应商之间运输，请向药店确认。",
		"o.container": "这是外包装码",
		"o.container.advice": "请扫描单盒药品上的追溯码。",
		"o.mismatch": "信息不符",
		"o.mismatch.advice": "码上的批号或有效期与记录不一致，请向药店核实。",
		"o.notcode": "不是追溯码",
		"o.notcode.advice": "无法识别为药品追溯码。",
		"o.other": "需要注意",
		"o.other.advice": "请向药店核实。",
	},
	en: {
		"verify.title": "Check a medicine's traceability code",
		"verify.intro": "Type or paste the code on the pack (the 20-digit code, a GS1 code, or the web address in its QR code) to see whether the pack is genuine.",
		"verify.label": "Traceability code",
		"verify.placeholder": "e.g. 83012345678901234567",
		"verify.button": "Check",
		"verify.footer": "yima: traceability code verification",
		"verify.empty": "Type a code first.",
		"verify.closed": "This server does not answer the public's checks (public_verify is off).",
		"fact.product": "Product",
		"fact.lot": "Lot",
		"fact.expiry": "Expires",
		"fact.code": "Code",
		"fact.details": "Details: ",
		"o.genuine": "Genuine",
		"o.genuine.advice": "This code is on record: the pack is genuine.",
		"o.nearexpiry": "Genuine, expires soon",
		"o.nearexpiry.advice": "Use it before {expiry}.",
		"o.expired": "Expired",
		"o.expired.advice": "Do not use it; a pharmacy will take it back.",
		"o.recalled": "Recalled",
		"o.recalled.advice": "This lot has been recalled: do not use it, and contact the pharmacy that sold it.",
		"o.withdrawn": "Withdrawn",
		"o.withdrawn.advice": "This product has been withdrawn from the market: do not use it, and contact the pharmacy that sold it.",
		"o.sold": "Already sold",
		"o.sold.advice": "This pack is recorded as sold. If you bought it, that is expected; if you see this before buying it, do not buy it.",
		"o.unknown": "Code not on record",
		"o.unknown.advice": "It may be counterfeit: do not use it, and tell the pharmacy or the drug regulator.",
		"o.locked": "Blocked",
		"o.locked.advice": "This code is marked stolen or under investigation: do not use it.",
		"o.destroyed": "Recorded as destroyed",
		"o.destroyed.advice": "This pack was recorded as destroyed and should not be on sale: do not use it.",
		"o.transit": "Not yet at a pharmacy",
		"o.transit.advice": "This pack is still on its way between suppliers: check with the pharmacy.",
		"o.container": "An outer package's code",
		"o.container.advice": "Scan the code on a single pack.",
		"o.mismatch": "Details do not match",
		"o.mismatch.advice": "The lot or expiry in the code differs from the record: check with the pharmacy.",
		"o.notcode": "Not a traceability code",
		"o.notcode.advice": "This is not read as a medicine's traceability code.",
		"o.other": "Needs attention",
		"o.other.advice": "Check with the pharmacy.",
	},
});

/* What a verdict means to a consumer: the first reason here that VERIFY
 * gave decides, most serious first. */
const OUTCOMES = [
	["not_a_trace_code", "notcode"],
	["unknown", "unknown"],
	["recalled", "recalled"],
	["withdrawn", "withdrawn"],
	["locked", "locked"],
	["destroyed", "destroyed"],
	["expired", "expired"],
	["duplicate", "sold"],
	["not_a_sales_unit", "container"],
	["lot_mismatch", "mismatch"],
	["expiry_mismatch", "mismatch"],
	["in_transit", "transit"],
	["near_expiry", "nearexpiry"],
];
const MARKS = { green: "✓", amber: "!", red: "✕", grey: "?" };

let shown = null;	/* the last answer, drawn again in the other language */

function outcomeOf(answer) {
	const reasons = answer.reasons || [];
	for (const [reason, outcome] of OUTCOMES)
		if (reasons.includes(reason))
			return outcome;
	return answer.verdict === "green" ? "genuine" : "other";
}

function draw() {
	const out = document.getElementById("result");
	out.replaceChildren();
	if (shown === null)
		return;
	const { el, t } = yima;
	if (shown.error) {
		out.append(el("p", { class: "error", id: "verify-error", text: shown.error }));
		return;
	}
	const a = shown.answer;
	const outcome = outcomeOf(a);
	const colour = outcome === "notcode" ? "grey" : a.verdict;
	const facts = el("dl", { class: "facts" });
	const fact = (key, value, id) => {
		if (value)
			facts.append(el("dt", { text: t(key) }), el("dd", { id, text: value }));
	};
	const product = a.product_name ? `${a.product_name}（${a.product}）` : a.product;
	fact("fact.product", product, "fact-product");
	fact("fact.lot", a.lot, "fact-lot");
	fact("fact.expiry", a.expiry, "fact-expiry");
	fact("fact.code", a.code, "fact-code");
	const advice = outcome === "notcode" && a.message ? a.message :
		t(`o.${outcome}.advice`, { expiry: a.expiry || "" });
	out.append(el("section", {
		id: "verdict", class: `verdict ${colour}`,
		dataset: { verdict: a.verdict, outcome },
	},
	el("div", { class: "headline" },
	   el("span", { class: "mark", "aria-hidden": "true", text: MARKS[colour] }),
	   el("span", { id: "headline", text: t(`o.${outcome}`) })),
	el("p", { class: "advice", id: "advice", text: advice }),
	facts.childElementCount ? facts : null,
	/* yimad's own words are English: the reader who chose English gets them too. */
	a.message && outcome !== "notcode" && yima.lang() === "en" ?
		el("p", { class: "details", text: t("fact.details") + a.message }) : null));
}

async function verify(code) {
	code = code.trim();
	if (!code) {
		shown = { error: yima.t("verify.empty") };
		draw();
		return;
	}
	const out = document.getElementById("result");
	out.replaceChildren(yima.el("p", { class: "hint", text: yima.t("loading") }));
	const r = await yima.api("verify", { code });
	/* Refused for want of a sign-in: the server keeps VERIFY from the public. */
	shown = r.ok ? { answer: r.body } :
		{ error: r.status === 401 ? yima.t("verify.closed") : r.message };
	draw();
}

document.addEventListener("DOMContentLoaded", () => {
	const form = document.getElementById("verify-form");
	const input = document.getElementById("code");
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		verify(input.value);
	});
	yima.onLang(draw);
	/* Served for a Digital Link path: the URL itself is the code. */
	const path = location.pathname;
	if (path !== "/" && path !== "/index.html") {
		input.value = location.href;
		verify(location.href);
	}
});
