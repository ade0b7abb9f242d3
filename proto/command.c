/*
 * command — the command table and its lookup.
 */
#include "command.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Option entries the grammars share. */
#define O_SITE		{ "SITE", OPT_SITE, OPT_K_SITE, true, 0, 0 }
#define O_SITE_OPT	{ "SITE", OPT_SITE, OPT_K_SITE, false, 0, 0 }
#define O_FROM		{ "FROM", OPT_FROM, OPT_K_SITE, true, 0, 0 }
#define O_FROM_OPT	{ "FROM", OPT_FROM, OPT_K_SITE, false, 0, 0 }
#define O_TO		{ "TO", OPT_TO, OPT_K_SITE, true, 0, 0 }
#define O_TO_OPT	{ "TO", OPT_TO, OPT_K_SITE, false, 0, 0 }
#define O_TIME		{ "TIME", OPT_TIME, OPT_K_TIME, false, 0, 0 }
#define O_REF		{ "REF", OPT_REF, OPT_K_TEXT, false, 1, CMD_REF_MAX }
#define O_REASON	{ "REASON", OPT_REASON, OPT_K_TEXT, true, 1, CMD_REF_MAX }
#define O_REASON_OPT	{ "REASON", OPT_REASON, OPT_K_TEXT, false, 1, CMD_REF_MAX }
/* Cluster mode: read only once this node has applied every entry the
 * stream held when the request came (daemon/CLUSTER.md); one node: always. */
/* A temperature reading taken with a shipment (daemon/coldchain.h). */
#define O_TEMP		{ "TEMP", OPT_TEMP, OPT_K_TEXT, false, 1, CMD_TEMP_MAX }
#define O_FRESH		{ "FRESH", OPT_FRESH, OPT_K_FLAG, false, 0, 0 }
/* A verdict's reply as a till acts on it: verdict, reasons and message
 * only (daemon/verdict.h); nothing else read or rendered. */
#define O_BRIEF		{ "BRIEF", OPT_BRIEF, OPT_K_FLAG, false, 0, 0 }

/* Grammars: G_CODES(acting, options...) for commands naming a list of
 * codes; G_WORDS(n, code, acting, options...) for n fixed words. */
#define G_CODES(act, ...) \
	{ .codes = true, .acting = (act), .opts = { __VA_ARGS__ } }
#define G_WORDS(n, c, act, ...) \
	{ .words = (n), .code = (c), .acting = (act), .opts = { __VA_ARGS__ } }
#define G_RAW	{ .raw = true, .acting = -1 }

static const struct command_spec commands[CMD__COUNT] = {
	[CMD_PING] = { CMD_PING, "PING", NULL, 1, 2, 0,
		"[message]", "liveness check: PONG, or the message back",
		G_RAW },
	[CMD_ECHO] = { CMD_ECHO, "ECHO", NULL, 2, 2, 0,
		"message", "the message back (redis-cli --pipe uses it)",
		G_RAW },
	[CMD_HELLO] = { CMD_HELLO, "HELLO", NULL, 1, 4, 0,
		"[protover [SETNAME name]]",
		"switch protocol version (2 or 3) and describe the server",
		G_RAW },
	[CMD_INFO] = { CMD_INFO, "INFO", NULL, 1, 9, CMD_F_READ,
		"[server|clients|store|writer|memory|audit|replication|all ...]",
		"server, connection, store and writer figures, as Redis's INFO text",
		G_RAW },
	[CMD_QUIT] = { CMD_QUIT, "QUIT", NULL, 1, 1, 0,
		"", "close the connection after the reply",
		G_RAW },
	[CMD_SITE_SET] = { CMD_SITE_SET, "SITE", "SET", 5, -1, CMD_F_WRITE,
		"id field value [field value ...]",
		"create or update a site (fields: name, kind, gln, region)",
		G_RAW },
	[CMD_SITE_GET] = { CMD_SITE_GET, "SITE", "GET", 3, 3, CMD_F_READ,
		"id", "a site's fields",
		G_RAW },
	[CMD_PRODUCT_SET] = { CMD_PRODUCT_SET, "PRODUCT", "SET", 5, -1, CMD_F_WRITE,
		"id field value [field value ...]",
		"create or update a product (fields: name, form, strength, "
		"units_per_pack, holder, kind, nhsa_code)",
		G_RAW },
	[CMD_PRODUCT_GET] = { CMD_PRODUCT_GET, "PRODUCT", "GET", 3, 3, CMD_F_READ,
		"id", "a product's fields",
		G_RAW },
	[CMD_COMMISSION] = { CMD_COMMISSION, "COMMISSION", NULL, 4, -1, CMD_F_WRITE,
		"code [code ...] SITE s [PRODUCT p] [LOT l] [EXPIRY YYYY-MM-DD] [LEVEL 1-4] "
		"[QTY n] [TIME t]", "create codes: units, middle packs, cases, pallets",
		G_CODES(OPT_SITE, O_SITE,
		{ "PRODUCT", OPT_PRODUCT, OPT_K_WORD, false, 0, 0 },
		{ "LOT", OPT_LOT, OPT_K_TEXT, false, 1, CMD_LOT_MAX },
		{ "EXPIRY", OPT_EXPIRY, OPT_K_DATE, false, 0, 0 },
		{ "LEVEL", OPT_LEVEL, OPT_K_UINT, false, 1, 4 },
		{ "QTY", OPT_QTY, OPT_K_UINT, false, 1, CMD_LOT_QTY_MAX }, O_TIME) },
	[CMD_PACK] = { CMD_PACK, "PACK", NULL, 5, -1, CMD_F_WRITE,
		"container code [code ...] SITE s [TIME t]",
		"pack codes into a container (created if new)",
		G_CODES(OPT_SITE, O_SITE, O_TIME) },
	[CMD_UNPACK] = { CMD_UNPACK, "UNPACK", NULL, 4, -1, CMD_F_WRITE,
		"container [code ...] SITE s [TIME t]",
		"take codes (default: all) out of a container",
		G_CODES(OPT_SITE, O_SITE, O_TIME) },
	/* TO may be unknown (an EPCIS shipping event without destinationList):
	 * the codes are in transit, and received anywhere without a diversion. */
	[CMD_SHIP] = { CMD_SHIP, "SHIP", NULL, 4, -1, CMD_F_WRITE,
		"code [code ...] FROM s [TO s] [REF r] [TIME t] [TEMP min[:max]]",
		"ship codes, and everything packed in them",
		G_CODES(OPT_FROM, O_FROM, O_TO_OPT, O_REF, O_TIME, O_TEMP) },
	[CMD_RECEIVE] = { CMD_RECEIVE, "RECEIVE", NULL, 4, -1, CMD_F_WRITE,
		"code [code ...] SITE s [FROM s] [REF r] [TIME t] [TEMP min[:max]]",
		"receive shipped codes at a site",
		G_CODES(OPT_SITE, O_SITE, O_FROM_OPT, O_REF, O_TIME, O_TEMP) },
	[CMD_RETURN] = { CMD_RETURN, "RETURN", NULL, 6, -1, CMD_F_WRITE,
		"code [code ...] FROM s TO s [REF r] [TIME t] [TEMP min[:max]]",
		"send codes back to a supplier",
		G_CODES(OPT_FROM, O_FROM, O_TO, O_REF, O_TIME, O_TEMP) },
	[CMD_DESTROY] = { CMD_DESTROY, "DESTROY", NULL, 4, -1, CMD_F_WRITE,
		"code [code ...] SITE s [REF r] [TIME t]", "record codes as destroyed",
		G_CODES(OPT_SITE, O_SITE, O_REF, O_TIME) },
	[CMD_VERIFY] = { CMD_VERIFY, "VERIFY", NULL, 2, 6, CMD_F_READ,
		"code [SITE s] [FRESH] [BRIEF]", "verdict on a scan; changes nothing",
		{ .words = 1, .code = 1, .acting = OPT_SITE, .acting_optional = true,
		  .opts = { O_SITE_OPT, O_FRESH, O_BRIEF } } },
	[CMD_DISPENSE] = { CMD_DISPENSE, "DISPENSE", NULL, 4, 11, CMD_F_WRITE | CMD_F_VERDICT,
		"code SITE s [TX t] [QTY n] [TIME t] [BRIEF]", "verdict on a sale, recorded durably",
		G_WORDS(1, 1, OPT_SITE, O_SITE,
		{ "TX", OPT_TX, OPT_K_TEXT, false, 1, CMD_TX_MAX },
		{ "QTY", OPT_QTY, OPT_K_UINT, false, 1, CMD_SALE_QTY_MAX }, O_TIME, O_BRIEF) },
	[CMD_UNDO] = { CMD_UNDO, "UNDO", NULL, 6, 7, CMD_F_WRITE | CMD_F_VERDICT,
		"code SITE s TX t [BRIEF]", "reverse a dispense of the same site and transaction",
		G_WORDS(1, 1, OPT_SITE, O_SITE,
		{ "TX", OPT_TX, OPT_K_TEXT, true, 1, CMD_TX_MAX }, O_BRIEF) },
	[CMD_TRACE] = { CMD_TRACE, "TRACE", NULL, 2, 3, CMD_F_READ,
		"code [FRESH]", "a code's chain of custody, in time order",
		G_WORDS(1, 1, -1, O_FRESH) },
	[CMD_ALERTS] = { CMD_ALERTS, "ALERTS", NULL, 1, 11, CMD_F_READ,
		"[SINCE t] [SITE s] [KIND k] [STATUS st] [LIMIT n]", "stored alerts, newest first",
		{ .acting = OPT_SITE, .acting_optional = true,
		  .opts = { { "SINCE", OPT_SINCE, OPT_K_TIME, false, 0, 0 }, O_SITE_OPT,
			    { "LIMIT", OPT_LIMIT, OPT_K_UINT, false, 1, CMD_ALERTS_MAX },
			    { "KIND", OPT_KIND, OPT_K_WORD, false, 0, 0 },
			    { "STATUS", OPT_STATUS, OPT_K_WORD, false, 0, 0 } } } },
	[CMD_RECALL] = { CMD_RECALL, "RECALL", NULL, 7, 7, CMD_F_WRITE,
		"product lot LEVEL 1|2|3 REASON text", "recall a lot: its units answer RED",
		G_WORDS(2, 0, -1, { "LEVEL", OPT_LEVEL, OPT_K_UINT, true, 1, 3 }, O_REASON) },
	[CMD_LIFT] = { CMD_LIFT, "LIFT", NULL, 5, 5, CMD_F_WRITE,
		"product lot REASON text", "end a lot's recall",
		G_WORDS(2, 0, -1, O_REASON) },
	[CMD_WITHDRAW] = { CMD_WITHDRAW, "WITHDRAW", NULL, 4, 4, CMD_F_WRITE,
		"product REASON text", "withdraw a product: every lot answers RED",
		G_WORDS(1, 0, -1, O_REASON) },
	[CMD_LOCK] = { CMD_LOCK, "LOCK", NULL, 2, 4, CMD_F_WRITE,
		"code [REASON text]", "lock one code (stolen, under investigation)",
		G_WORDS(1, 1, -1, O_REASON_OPT) },
	[CMD_UNLOCK] = { CMD_UNLOCK, "UNLOCK", NULL, 2, 4, CMD_F_WRITE,
		"code [REASON text]", "unlock a locked code",
		G_WORDS(1, 1, -1, O_REASON_OPT) },
	[CMD_EVENTS] = { CMD_EVENTS, "EVENTS", NULL, 2, -1, CMD_F_WRITE,
		"[BATCH id] [SKIPBAD] record [record ...]",
		"distribution records (each a command line) in one transaction",
		{ .records = true, .acting = -1 } },
	[CMD_RECALL_ACK] = { CMD_RECALL_ACK, "RECALL.ACK", NULL, 5, 7, CMD_F_WRITE,
		"product lot SITE s [TIME t]", "a site acknowledges a lot's recall",
		G_WORDS(2, 0, OPT_SITE, O_SITE, O_TIME) },
	[CMD_IMPACT] = { CMD_IMPACT, "IMPACT", NULL, 2, 5, CMD_F_READ,
		"product lot | code | PRODUCT product [REGION r]",
		"a lot's (or a product's, across its lots) recall chain: every site, what it "
		"holds, the tree",
		{ .words = 2, .code_alone = true, .acting = -1,
		  .opts = { { "REGION", OPT_REGION, OPT_K_WORD, false, 0, 0 } } } },
	[CMD_CODES] = { CMD_CODES, "CODES", NULL, 3, 13, CMD_F_READ,
		"product lot [SITE s] [STATUS st] [LEVEL n] [AFTER cursor] [COUNT n]",
		"the codes of a lot, where they are, a page at a time",
		{ .words = 2, .acting = -1, .opts = { O_SITE_OPT,
		  { "STATUS", OPT_STATUS, OPT_K_WORD, false, 0, 0 },
		  { "LEVEL", OPT_LEVEL, OPT_K_UINT, false, 1, 4 },
		  { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 },
		  { "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_CODES_MAX } } } },
	[CMD_AUTH] = { CMD_AUTH, "AUTH", NULL, 2, 2, 0,
		"token", "sign in with a token from the ACL file",
		G_RAW },
	[CMD_AUDIT_VERIFY] = { CMD_AUDIT_VERIFY, "AUDIT", "VERIFY", 2, 6, CMD_F_READ,
		"[FROM seq] [TO seq] | STATE",
		"recompute the event log's hash chain and name the first broken link; "
		"STATE: replay the log and compare the store with it",
		{ .acting = -1, .opts = { { "FROM", OPT_FROM, OPT_K_SEQ, false, 0, 0 },
					  { "TO", OPT_TO, OPT_K_SEQ, false, 0, 0 },
					  { "STATE", OPT_STATE, OPT_K_FLAG, false, 0, 0 } } } },
	[CMD_CLOCK] = { CMD_CLOCK, "CLOCK", NULL, 1, 3, 0,
		"[ADVANCE duration]",
		"the daemon's clock; ADVANCE moves a clock started with clock_today (tests)",
		G_RAW },
	[CMD_BACKUP] = { CMD_BACKUP, "BACKUP", NULL, 1, 2, CMD_F_READ | CMD_F_SLOW,
		"[name]",
		"write a consistent, compacted copy of the store into backup_dir/name "
		"(default: a name from the time and the log's last entry)",
		G_RAW },
	[CMD_EPCIS_QUERY] = { CMD_EPCIS_QUERY, "EPCIS.QUERY", NULL, 1, 19, CMD_F_READ,
		"[EPC code|...] [ANYEPC code|...] [BIZSTEP step|...] [SINCE t] [BEFORE t] "
		"[LOCATION site|...] [READPOINT site|...] [COUNT n] [AFTER token]",
		"GS1 EPCIS 2.0 events: what the events about codes, steps, places and times "
		"are, a page at a time",
		{ .acting = -1, .opts = {
		  { "EPC", OPT_EPC, OPT_K_WORD, false, 0, 0 },
		  { "ANYEPC", OPT_ANYEPC, OPT_K_WORD, false, 0, 0 },
		  { "BIZSTEP", OPT_BIZSTEP, OPT_K_WORD, false, 0, 0 },
		  { "SINCE", OPT_SINCE, OPT_K_TIME, false, 0, 0 },
		  { "BEFORE", OPT_BEFORE, OPT_K_TIME, false, 0, 0 },
		  { "LOCATION", OPT_LOCATION, OPT_K_WORD, false, 0, 0 },
		  { "READPOINT", OPT_READPOINT, OPT_K_WORD, false, 0, 0 },
		  { "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_EPCIS_PAGE_MAX },
		  { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 } } } },
	/* What Redis client libraries send on connecting (a name, the
	 * library's own name and version, database 0) and ask of the server
	 * (COMMAND): each touches only its own connection. */
	[CMD_CLIENT_SETNAME] = { CMD_CLIENT_SETNAME, "CLIENT", "SETNAME", 3, 3, 0,
		"name", "name this connection (CLIENT INFO, the access log)",
		G_RAW },
	[CMD_CLIENT_GETNAME] = { CMD_CLIENT_GETNAME, "CLIENT", "GETNAME", 2, 2, 0,
		"", "this connection's name, or nil",
		G_RAW },
	[CMD_CLIENT_ID] = { CMD_CLIENT_ID, "CLIENT", "ID", 2, 2, 0,
		"", "this connection's id",
		G_RAW },
	[CMD_CLIENT_INFO] = { CMD_CLIENT_INFO, "CLIENT", "INFO", 2, 2, 0,
		"", "this connection, as one line of Redis's CLIENT LIST",
		G_RAW },
	[CMD_CLIENT_SETINFO] = { CMD_CLIENT_SETINFO, "CLIENT", "SETINFO", 4, 4, 0,
		"LIB-NAME|LIB-VER value", "the client library's name or version, for CLIENT INFO",
		G_RAW },
	[CMD_SELECT] = { CMD_SELECT, "SELECT", NULL, 2, 2, 0,
		"index", "yima has one database, 0: SELECT 0 is accepted, any other refused",
		G_RAW },
	[CMD_COMMAND] = { CMD_COMMAND, "COMMAND", NULL, 1, -1, 0,
		"[COUNT | DOCS [name ...] | INFO [name ...] | LIST]",
		"the command table, as Redis describes its own (redis-cli's hints come from DOCS)",
		G_RAW },
	/* The EU system's end states besides sale and destruction, and their
	 * undo (daemon/decommission.h). */
	[CMD_DECOMMISSION] = { CMD_DECOMMISSION, "DECOMMISSION", NULL, 6, -1, CMD_F_WRITE,
		"code [code ...] SITE s STATE sample|exported|stolen|checked_out [REF r] [TIME t]",
		"record codes as leaving the chain: a sample, exported, stolen, "
		"checked out to a hospital ward",
		G_CODES(OPT_SITE, O_SITE, { "STATE", OPT_STATE, OPT_K_WORD, true, 0, 0 },
			O_REF, O_TIME) },
	[CMD_REACTIVATE] = { CMD_REACTIVATE, "REACTIVATE", NULL, 4, -1, CMD_F_WRITE,
		"code [code ...] SITE s [REF r] [TIME t]",
		"undo a DECOMMISSION of the same site within the undo window",
		G_CODES(OPT_SITE, O_SITE, O_REF, O_TIME) },
	[CMD_UNWITHDRAW] = { CMD_UNWITHDRAW, "UNWITHDRAW", NULL, 4, 4, CMD_F_WRITE,
		"product REASON text", "end a withdrawal made in error: its lots answer as before",
		G_WORDS(1, 0, -1, O_REASON) },
	[CMD_COLDCHAIN_RELEASE] = { CMD_COLDCHAIN_RELEASE, "COLDCHAIN", "RELEASE", 5, -1,
		CMD_F_WRITE, "code [code ...] REASON text",
		"release units from a cold-chain break after assessment",
		G_CODES(-1, O_REASON) },
	/* Issue 21: alert handling, stock and listings, risk ranking. */
	[CMD_ALERT_SET] = { CMD_ALERT_SET, "ALERT", "SET", 5, 9, CMD_F_WRITE,
		"id [STATUS open|investigating|closed] [CLASS class] [NOTE text]",
		"a regulator's handling of an alert: its status, classification and note",
		G_WORDS(1, 0, -1, { "STATUS", OPT_STATUS, OPT_K_WORD, false, 0, 0 },
		{ "CLASS", OPT_CLASS, OPT_K_WORD, false, 0, 0 },
		{ "NOTE", OPT_NOTE, OPT_K_TEXT, false, 1, CMD_NOTE_MAX }) },
	[CMD_STOCK] = { CMD_STOCK, "STOCK", NULL, 3, 9, CMD_F_READ,
		"SITE s [PRODUCT p] [AFTER cursor] [COUNT n]",
		"what a site holds, by product and lot, a page at a time",
		{ .acting = OPT_SITE, .opts = { O_SITE,
		  { "PRODUCT", OPT_PRODUCT, OPT_K_WORD, false, 0, 0 },
		  { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 },
		  { "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_LIST_MAX } } } },
	[CMD_PRODUCT_LIST] = { CMD_PRODUCT_LIST, "PRODUCT", "LIST", 2, 6, CMD_F_READ,
		"[AFTER cursor] [COUNT n]", "the products, a page at a time",
		{ .acting = -1, .opts = { { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 },
		  { "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_LIST_MAX } } } },
	[CMD_SITE_LIST] = { CMD_SITE_LIST, "SITE", "LIST", 2, 11, CMD_F_READ,
		"[KIND k] [REGION r] [EXPIRED] [AFTER cursor] [COUNT n]",
		"the sites, of a kind or region (a province's code lists its cities), or whose "
		"licence has expired, a page at a time",
		{ .acting = -1, .opts = { { "KIND", OPT_KIND, OPT_K_WORD, false, 0, 0 },
		  { "REGION", OPT_REGION, OPT_K_WORD, false, 0, 0 },
		  { "EXPIRED", OPT_EXPIRED, OPT_K_FLAG, false, 0, 0 },
		  { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 },
		  { "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_LIST_MAX } } } },
	[CMD_LOTS] = { CMD_LOTS, "LOTS", NULL, 3, 7, CMD_F_READ,
		"PRODUCT p [AFTER cursor] [COUNT n]",
		"a product's lots, with their status and counts, a page at a time",
		{ .acting = -1, .opts = { { "PRODUCT", OPT_PRODUCT, OPT_K_WORD, true, 0, 0 },
		  { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 },
		  { "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_LIST_MAX } } } },
	[CMD_CONTENTS] = { CMD_CONTENTS, "CONTENTS", NULL, 2, 6, CMD_F_READ,
		"code [AFTER cursor] [COUNT n]",
		"what a container holds, at any depth, a page at a time",
		G_WORDS(1, 1, -1, { "AFTER", OPT_AFTER, OPT_K_WORD, false, 0, 0 },
		{ "COUNT", OPT_COUNT, OPT_K_UINT, false, 1, CMD_LIST_MAX }) },
	[CMD_RISK] = { CMD_RISK, "RISK", NULL, 1, 7, CMD_F_READ,
		"[SINCE t] [REGION r] [LIMIT n]",
		"sites ranked by their alerts and bad sales per 1,000 sales: the inspection list",
		{ .acting = -1, .opts = { { "SINCE", OPT_SINCE, OPT_K_TIME, false, 0, 0 },
		  { "REGION", OPT_REGION, OPT_K_WORD, false, 0, 0 },
		  { "LIMIT", OPT_LIMIT, OPT_K_UINT, false, 1, CMD_LIST_MAX } } } },
	/* Repackaging (daemon/transform.h): inputs consumed, outputs
	 * commissioned, the chain kept between them. */
	[CMD_TRANSFORM] = { CMD_TRANSFORM, "TRANSFORM", NULL, 11, -1, CMD_F_WRITE,
		"INPUTS code [code ...] OUTPUTS code [code ...] SITE s LOT l EXPIRY YYYY-MM-DD "
		"[PRODUCT p] [REF r] [TIME t]",
		"repackage: consume input codes, commission output codes made from them",
		{ .codes = true, .lead = "INPUTS", .split = "OUTPUTS", .acting = OPT_SITE,
		  .opts = { O_SITE,
		  { "LOT", OPT_LOT, OPT_K_TEXT, true, 1, CMD_LOT_MAX },
		  { "EXPIRY", OPT_EXPIRY, OPT_K_DATE, true, 0, 0 },
		  { "PRODUCT", OPT_PRODUCT, OPT_K_WORD, false, 0, 0 }, O_REF, O_TIME } } },
};

static int eq(const char *s, size_t n, const char *name)
{
	/* Every request looks its command up: most names differ in the
	 * first letter (| 0x20 folds case, and never makes equal bytes
	 * differ), so test that before measuring the name. */
	return n && (s[0] | 0x20) == (name[0] | 0x20) && strlen(name) == n &&
	       strncasecmp(s, name, n) == 0;
}

const struct command_spec *command_lookup(int argc, const char *const *names,
					  const size_t *lens, int *why)
{
	int known = 0;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = &commands[i];
		if (!eq(names[0], lens[0], c->name))
			continue;
		if (c->sub == NULL)
			return c;
		known = 1;
		if (argc > 1 && eq(names[1], lens[1], c->sub))
			return c;
	}
	*why = known ? 2 : 1;
	return NULL;
}

const struct command_spec *command_by_id(enum cmd_id id)
{
	return (unsigned)id < CMD__COUNT ? &commands[id] : NULL;
}

int command_arity_ok(const struct command_spec *c, int argc)
{
	return argc >= c->min_argc && (c->max_argc < 0 || argc <= c->max_argc);
}

const char *command_full_name(const struct command_spec *c, char *buf, size_t n)
{
	if (c->sub)
		snprintf(buf, n, "%s %s", c->name, c->sub);
	else
		snprintf(buf, n, "%s", c->name);
	return buf;
}

const struct option_spec *command_option(enum cmd_id cmd, enum opt_id id)
{
	const struct command_spec *c = command_by_id(cmd);
	for (int i = 0; c && i < GRAMMAR_OPTS_MAX && c->g.opts[i].name; i++)
		if (c->g.opts[i].id == id)
			return &c->g.opts[i];
	return NULL;
}

const char *command_subcommands(const char *name, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = &commands[i];
		if (c->sub == NULL || strcasecmp(c->name, name) != 0)
			continue;
		int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", c->sub);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf;
}
