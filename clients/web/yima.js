/*
 * yima.js — what every page shares: the Chinese/English switch (the
 * choice kept in localStorage), calls to yimad's JSON API under /v1/ (with
 * the access token the reader typed, kept in sessionStorage: it lasts as
 * long as the tab), and a few DOM helpers.  No framework and nothing
 * fetched from elsewhere: the pages are served by yimad from clients/web.
 *
 * Text: an element with data-t="key" shows the string key in the current
 * language (data-t-placeholder, data-t-title for those attributes); a
 * page adds its own strings with yima.strings({zh: {...}, en: {...}}) and
 * redraws what it drew itself in yima.onLang(fn).
 */
"use strict";

const yima = (() => {
	const LANG_KEY = "yima.lang";
	const TOKEN_KEY = "yima.token";
	const dict = {
		zh: {
			"nav.verify": "验码",
			"nav.recall": "召回",
			"nav.alerts": "警报",
			"lang.switch": "English",
			"token.label": "访问令牌",
			"token.placeholder": "监管或站点令牌（仅保存在本标签页）",
			"token.save": "使用",
			"token.clear": "清除",
			"token.none": "未使用令牌：仅本机可信连接可查询。",
			"token.set": "已使用令牌（仅保存在本标签页）。",
			"err.network": "无法连接服务器：{msg}",
			"err.status": "服务器答复 {status}：{msg}",
			"err.auth": "需要访问令牌：{msg}",
			"err.perm": "此令牌无权查询：{msg}",
			"loading": "查询中…",
			"kind.manufacturer": "生产企业",
			"kind.distributor": "经营企业",
			"kind.pharmacy": "药店",
			"kind.hospital": "医疗机构",
			"kind.regulator": "监管部门",
			"kind.other": "其他",
		},
		en: {
			"nav.verify": "Verify",
			"nav.recall": "Recall",
			"nav.alerts": "Alerts",
			"lang.switch": "中文",
			"token.label": "Access token",
			"token.placeholder": "regulator's or site's token (kept in this tab only)",
			"token.save": "Use",
			"token.clear": "Clear",
			"token.none": "No token: only a trusted local connection may ask.",
			"token.set": "Using a token (kept in this tab only).",
			"err.network": "Cannot reach the server: {msg}",
			"err.status": "The server answered {status}: {msg}",
			"err.auth": "An access token is needed: {msg}",
			"err.perm": "This token may not ask this: {msg}",
			"loading": "Asking…",
			"kind.manufacturer": "Manufacturer",
			"kind.distributor": "Distributor",
			"kind.pharmacy": "Pharmacy",
			"kind.hospital": "Hospital",
			"kind.regulator": "Regulator",
			"kind.other": "Other",
		},
	};
	const listeners = [];

	function stored(store, key) {
		try {
			return store.getItem(key);
		} catch (e) {	/* storage off: the choice lasts this page */
			return null;
		}
	}

	function store(store, key, value) {
		try {
			if (value === null)
				store.removeItem(key);
			else
				store.setItem(key, value);
		} catch (e) {
			/* as above */
		}
	}

	let lang = stored(localStorage, LANG_KEY) === "en" ? "en" : "zh";

	function strings(more) {
		for (const l of Object.keys(more))
			Object.assign(dict[l], more[l]);
	}

	/* The string key in the current language, {name}s filled from vars. */
	function t(key, vars) {
		let s = dict[lang][key];
		if (s === undefined)
			s = dict.zh[key] !== undefined ? dict.zh[key] : key;
		if (vars)
			s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
		return s;
	}

	function applyText(root) {
		root.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t(e.dataset.t); });
		root.querySelectorAll("[data-t-placeholder]").forEach((e) => {
			e.placeholder = t(e.dataset.tPlaceholder);
		});
		root.querySelectorAll("[data-t-title]").forEach((e) => { e.title = t(e.dataset.tTitle); });
	}

	function setLang(l) {
		lang = l === "en" ? "en" : "zh";
		store(localStorage, LANG_KEY, lang);
		document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
		applyText(document);
		for (const fn of listeners)
			fn();
	}

	function onLang(fn) {
		listeners.push(fn);
	}

	function token() {
		return stored(sessionStorage, TOKEN_KEY) || "";
	}

	function setToken(v) {
		store(sessionStorage, TOKEN_KEY, v ? v : null);
	}

	/*
	 * GET /v1/<path> with params (empty values left out): {ok: true, body}
	 * or {ok: false, status, code, message} — message already in words for
	 * the reader.
	 */
	async function api(path, params) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(params || {}))
			if (v !== undefined && v !== null && v !== "")
				q.set(k, v);
		const headers = { Accept: "application/json" };
		const tok = token();
		if (tok)
			headers.Authorization = "Bearer " + tok;
		let r;
		try {
			r = await fetch("/v1/" + path + (q.toString() ? "?" + q : ""),
					{ headers, cache: "no-store" });
		} catch (e) {
			return { ok: false, status: 0, code: "NETWORK",
				 message: t("err.network", { msg: e.message }) };
		}
		let body = null;
		try {
			body = await r.json();
		} catch (e) {
			body = null;
		}
		if (r.ok && body !== null)
			return { ok: true, body };
		const msg = body && body.error ? body.error : r.statusText;
		const code = body && body.code ? body.code : "";
		const key = r.status === 401 ? "err.auth" : r.status === 403 ? "err.perm" : "err.status";
		return { ok: false, status: r.status, code, error: msg,
			 message: t(key, { status: r.status, msg }) };
	}

	/* el("td", {class: "num", dataset: {k: "units"}}, "12") */
	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === undefined || v === null || v === false)
				continue;
			if (k === "dataset")
				Object.assign(e.dataset, v);
			else if (k === "text")
				e.textContent = v;
			else if (k.startsWith("on"))
				e.addEventListener(k.slice(2), v);
			else
				e.setAttribute(k, v === true ? "" : v);
		}
		for (const c of children.flat())
			if (c !== null && c !== undefined && c !== false)
				e.append(c instanceof Node ? c : String(c));
		return e;
	}

	function num(n) {
		return typeof n === "number" ? n.toLocaleString(lang === "en" ? "en-US" : "zh-CN") : "–";
	}

	/* An ISO time from yimad, in the reader's time zone; "–" for null. */
	function time(iso) {
		if (!iso)
			return "–";
		const d = new Date(iso);
		if (isNaN(d))
			return iso;
		return d.toLocaleString(lang === "en" ? "en-GB" : "zh-CN", { hour12: false });
	}

	function kindName(kind) {
		const k = "kind." + (kind || "other");
		return dict.zh[k] !== undefined ? t(k) : kind;
	}

	/* fn on a click, and on Enter or Space for an element that is not a
	 * button (an SVG group, a table header). */
	function activate(e, fn) {
		e.addEventListener("click", fn);
		e.addEventListener("keydown", (ev) => {
			if (ev.key === "Enter" || ev.key === " ") {
				ev.preventDefault();
				fn();
			}
		});
	}

	/* The page's header: the name, the pages (when data-nav names the
	 * current one) and the language button (#lang). */
	function drawHeader() {
		const bar = document.querySelector("header.bar");
		if (!bar)
			return;
		const page = bar.dataset.nav;
		const links = [["/", "nav.verify", "verify"], ["/recall.html", "nav.recall", "recall"],
			       ["/alerts.html", "nav.alerts", "alerts"]];
		bar.replaceChildren(
			el("a", { class: "brand", href: "/", text: "一码 yima" }),
			el("nav", {}, page ? links.map(([href, key, name]) => el("a", {
				href, "data-t": key, "aria-current": name === page ? "page" : null })) : []),
			el("button", { id: "lang", class: "plain", type: "button", "data-t": "lang.switch",
				       onclick: () => setLang(lang === "en" ? "zh" : "en") }));
	}

	/*
	 * The access token form, in the page's #token-box if it has one: the
	 * token goes to sessionStorage (this tab only), onChange() after.
	 */
	function bindToken(onChange) {
		const box = document.getElementById("token-box");
		if (!box)
			return;
		const input = el("input", { id: "token", type: "password",
					    "data-t-placeholder": "token.placeholder" });
		const form = el("form", { id: "token-form", class: "row", autocomplete: "off" },
			el("label", { class: "grow" }, el("span", { "data-t": "token.label" }), input),
			el("button", { type: "submit", "data-t": "token.save" }),
			el("button", { type: "button", class: "plain", "data-t": "token.clear" }));
		const state = el("p", { id: "token-state", class: "hint" });
		box.replaceChildren(form, state);
		applyText(box);
		const show = () => {
			state.dataset.t = token() ? "token.set" : "token.none";
			state.textContent = t(state.dataset.t);
		};
		form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			setToken(input.value.trim());
			input.value = "";
			show();
			if (onChange)
				onChange();
		});
		form.querySelector("button.plain").addEventListener("click", () => {
			setToken("");
			show();
			if (onChange)
				onChange();
		});
		show();
	}

	function start() {
		drawHeader();
		document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
		applyText(document);
	}

	/* After every deferred script ran: the pages' strings are in by then. */
	if (document.readyState === "complete")
		start();
	else
		document.addEventListener("DOMContentLoaded", start);

	return { t, strings, onLang, lang: () => lang, setLang, api, el, num, time, kindName,
		 token, setToken, bindToken, applyText, activate };
})();
