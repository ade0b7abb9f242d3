/*
 * acl — the role matrix and the request check.
 *
 * Roles and what they are for (PROTOCOL.md, "Access"):
 *   pharmacy, hospital       scan at the counter: VERIFY, DISPENSE, UNDO,
 *                            RECEIVE, RETURN, DESTROY, RECALL.ACK; their own
 *                            site only
 *   distributor, manufacturer  distribution records: COMMISSION, PACK,
 *                            UNPACK, SHIP, RECEIVE, RETURN, DESTROY, EVENTS,
 *                            RECALL.ACK, with their own site as the acting
 *                            site (SHIP, RETURN: the sender, FROM)
 *   regulator                every read (IMPACT, CODES too), RECALL, LIFT,
 *                            WITHDRAW, LOCK, UNLOCK, AUDIT VERIFY
 *   admin                    master data (SITE, PRODUCT; in EVENTS batches
 *                            too), INFO, AUDIT VERIFY, CLOCK, BACKUP
 *   local                    a loopback client of the plaintext port when
 *                            local_trust is on: everything
 *   none                     not authenticated: PING, HELLO, QUIT, AUTH, a
 *                            client library's greeting (CLIENT SETNAME, GETNAME,
 *                            ID, INFO, SETINFO; SELECT 0; COMMAND), and
 *                            VERIFY without SITE when public_verify is on
 *
 * EVENTS lets a principal send many records in one request; each record is
 * checked against its own command's row, for the same principal, where the
 * request arrives (acl_check_records), and cmd_events.c applies the answers.
 *
 * Stock moves out only by its holder's word: SHIP and RETURN act for FROM,
 * the site that holds the codes, and the receiver confirms with RECEIVE at
 * its own SITE.  Were TO enough, a supplier could "ship" a pharmacy's stock
 * to itself and leave the pharmacy's packs in transit.
 */
#include "acl.h"
#include "args.h"
#include "cmd.h"
#include "config.h"
#include "parse.h"
#include "store.h"
#include "xmem.h"

#include <stdio.h>
#include <string.h>

#define BIT(r)	(1u << (r))
#define NONE	BIT(ROLE_NONE)
#define PH	BIT(ROLE_PHARMACY)
#define HO	BIT(ROLE_HOSPITAL)
#define DI	BIT(ROLE_DISTRIBUTOR)
#define MA	BIT(ROLE_MANUFACTURER)
#define RE	BIT(ROLE_REGULATOR)
#define AD	BIT(ROLE_ADMIN)
#define LO	BIT(ROLE_LOCAL)
/* Not a role: unauthenticated clients too, when public_verify is on. */
#define PUBLIC	BIT(ROLE__COUNT)

#define COUNTER	(PH | HO)		/* dispensing sites */
#define SUPPLY	(DI | MA)		/* distribution records */
#define SIGNED	(PH | HO | DI | MA | RE | AD | LO)
#define ANYONE	(NONE | SIGNED)

struct acl_rule {
	unsigned roles;		/* who may run the command at all */
	/* Roles whose TIME option is refused: a counter's sale happens now,
	 * on the server's clock; a back-dated one would dodge expiry. */
	unsigned untimed;
};

/*
 * The role matrix.  A command with no row here is refused to everyone but
 * the local principal, so a command added without a row fails closed.
 * Which option names the acting site is the command's grammar
 * (proto/command.c): a site-scoped principal may only act as its site.
 */
static const struct acl_rule matrix[CMD__COUNT] = {
	/*                  roles, untimed */
	[CMD_PING]        = { ANYONE },
	[CMD_HELLO]       = { ANYONE },
	[CMD_QUIT]        = { ANYONE },
	[CMD_AUTH]        = { ANYONE },
	[CMD_ECHO]        = { SIGNED },
	[CMD_INFO]        = { RE | AD | LO },
	[CMD_SITE_SET]    = { AD | LO },
	[CMD_SITE_GET]    = { SIGNED },
	[CMD_PRODUCT_SET] = { AD | LO },
	[CMD_PRODUCT_GET] = { SIGNED },
	[CMD_COMMISSION]  = { SUPPLY | LO },
	[CMD_PACK]        = { SUPPLY | LO },
	[CMD_UNPACK]      = { SUPPLY | LO },
	[CMD_SHIP]        = { SUPPLY | LO },
	[CMD_RECEIVE]     = { COUNTER | SUPPLY | LO },
	[CMD_RETURN]      = { COUNTER | SUPPLY | LO },
	[CMD_DESTROY]     = { COUNTER | SUPPLY | LO },
	[CMD_VERIFY]      = { SIGNED | PUBLIC },
	[CMD_DISPENSE]    = { COUNTER | LO, COUNTER },
	[CMD_UNDO]        = { COUNTER | LO },
	[CMD_TRACE]       = { COUNTER | SUPPLY | RE | LO },
	[CMD_ALERTS]      = { COUNTER | SUPPLY | RE | LO },
	[CMD_RECALL]      = { RE | LO },
	[CMD_LIFT]        = { RE | LO },
	[CMD_WITHDRAW]    = { RE | LO },
	[CMD_LOCK]        = { RE | LO },
	[CMD_UNLOCK]      = { RE | LO },
	[CMD_EVENTS]      = { COUNTER | SUPPLY | AD | LO },
	[CMD_AUDIT_VERIFY] = { RE | AD | LO },
	[CMD_CLOCK]       = { AD | LO },
	[CMD_BACKUP]      = { AD | LO },
	[CMD_RECALL_ACK]  = { COUNTER | SUPPLY | LO },
	[CMD_IMPACT]      = { RE | LO },
	[CMD_CODES]       = { RE | LO },
	[CMD_EPCIS_QUERY] = { COUNTER | SUPPLY | RE | LO },
	[CMD_DECOMMISSION] = { COUNTER | SUPPLY | LO },
	[CMD_REACTIVATE]  = { COUNTER | SUPPLY | LO },
	[CMD_UNWITHDRAW]  = { RE | LO },
	[CMD_TRANSFORM]   = { SUPPLY | LO },
	/* A Redis client library's greeting, before or after AUTH: each
	 * touches only its own connection, and COMMAND tells what the
	 * documentation does. */
	[CMD_CLIENT_SETNAME] = { ANYONE },
	[CMD_CLIENT_GETNAME] = { ANYONE },
	[CMD_CLIENT_ID]   = { ANYONE },
	[CMD_CLIENT_INFO] = { ANYONE },
	[CMD_CLIENT_SETINFO] = { ANYONE },
	[CMD_SELECT]      = { ANYONE },
	[CMD_COMMAND]     = { ANYONE },
	[CMD_COLDCHAIN_RELEASE] = { RE | LO },
	/* Issue 21.  A counter or a supplier sees its own stock (STOCK's
	 * SITE is its acting site); the listings of master data are
	 * everyone's; lots, contents, the risk list and alert handling are
	 * the regulators'. */
	[CMD_ALERT_SET]   = { RE | LO },
	[CMD_STOCK]       = { COUNTER | SUPPLY | RE | LO },
	[CMD_PRODUCT_LIST] = { SIGNED },
	[CMD_SITE_LIST]   = { SIGNED },
	[CMD_LOTS]        = { RE | LO },
	[CMD_CONTENTS]    = { RE | LO },
	[CMD_RISK]        = { RE | LO },
};

bool acl_role_may(enum acl_role role, enum cmd_id id, bool public_verify)
{
	unsigned bits = matrix[id].roles;
	if (role == ROLE_LOCAL)
		return true;
	return (bits & BIT(role)) != 0 || (role == ROLE_NONE && public_verify && (bits & PUBLIC));
}

const char *acl_outcome_code(int outcome)
{
	return outcome == ACL_NOAUTH ? "NOAUTH" : "NOPERM";
}

/* Is `a` the principal's own site?  1 yes, 0 no (err set), or a store error. */
static int own_site(struct cmd_ctx *ctx, const struct principal *p, const char *opt,
		    const struct resp_arg *a, char *err, size_t errlen)
{
	struct store_txn *t;
	uint32_t num;
	char why[200];
	/* Its own id as given: no lookup (the common case, on every scan). */
	if (p->role != ROLE_NONE && a->len == strlen(p->site_id) &&
	    memcmp(a->ptr, p->site_id, a->len) == 0)
		return 1;
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	rc = args_site(t, a, &num, why, sizeof why);
	if (rc == -1) {
		snprintf(err, errlen, "%s %s", opt, why);
		return 0;
	}
	if (rc)
		return rc;
	if (p->role != ROLE_NONE && num == p->site)
		return 1;
	if (p->role == ROLE_NONE)
		snprintf(err, errlen, "%s names a site: sign in as that site first (AUTH, "
			 "or a client certificate)", opt);
	else
		snprintf(err, errlen, "%s must be your own site %s, not '%.64s'", opt,
			 p->site_id, a->ptr);
	return 0;
}

int acl_check_role(const struct principal *p, const struct command_spec *spec,
		   bool public_verify, char *err, size_t errlen)
{
	enum acl_role role = p ? (enum acl_role)p->role : ROLE_LOCAL;
	char name[64];
	if (acl_role_may(role, spec->id, public_verify))
		return ACL_OK;
	command_full_name(spec, name, sizeof name);
	if (role == ROLE_NONE) {
		snprintf(err, errlen, "%s needs authentication: send AUTH token, or "
			 "connect over TLS with a client certificate", name);
		return ACL_NOAUTH;
	}
	snprintf(err, errlen, "%s '%s' may not run %s", acl_role_name(role), p->name, name);
	return ACL_NOPERM;
}

int acl_check_cmd(struct cmd_ctx *ctx, const struct cmd *c, char *err, size_t errlen)
{
	const struct principal *p = c->who;
	const struct command_spec *spec = c->spec;
	const struct command_grammar *g = &spec->g;
	enum acl_role role = p ? (enum acl_role)p->role : ROLE_LOCAL;
	char name[64], why[300];
	if (c->records)
		return acl_check_records(ctx, c);
	if ((matrix[spec->id].untimed & BIT(role)) && cmd_has(c, OPT_TIME)) {
		command_full_name(spec, name, sizeof name);
		snprintf(err, errlen, "%s: TIME is for loading history; a %s's sale takes the "
			 "server's time (leave TIME out)", name, acl_role_name(role));
		return ACL_NOPERM;
	}
	if (g->acting < 0 || !(role == ROLE_NONE || acl_role_site_scoped(role)))
		return ACL_OK;

	const struct option_spec *o = command_option(spec->id, (enum opt_id)g->acting);
	const struct resp_arg *a = c->opt[g->acting].arg;
	int rc = ACL_OK;
	if (a == NULL) {
		if (g->acting_optional)
			return ACL_OK;
		snprintf(why, sizeof why, "%s is required", o->name);
		rc = ACL_NOPERM;
	} else {
		int own = own_site(ctx, p, o->name, a, why, sizeof why);
		if (own != 0 && own != 1)
			return own;	/* store error */
		if (own == 0 && spec->id == CMD_SHIP && role != ROLE_NONE) {
			size_t w = strlen(why);
			snprintf(why + w, sizeof why - w, ": only the holder ships its stock out; "
				 "a receiver records RECEIVE");
		}
		rc = own ? ACL_OK : ACL_NOPERM;
	}
	if (rc != ACL_OK) {
		command_full_name(spec, name, sizeof name);
		snprintf(err, errlen, "%s: %s", name, why);
		if (role == ROLE_NONE)
			return ACL_NOAUTH;
	}
	return rc;
}

int acl_check(struct cmd_ctx *ctx, const struct cmd *c, bool public_verify, char *err,
	      size_t errlen)
{
	int rc = acl_check_role(c->who, c->spec, public_verify, err, errlen);
	return rc != ACL_OK ? rc : acl_check_cmd(ctx, c, err, errlen);
}

/* A record's command as if sent alone: the matrix, then, if it parsed,
 * its arguments. */
static int check_record(struct cmd_ctx *ctx, const struct cmd *c, bool parsed, char *why,
			size_t n)
{
	int rc = acl_check_role(c->who, c->spec, ctx->cfg->public_verify, why, n);
	return rc == ACL_OK && parsed ? acl_check_cmd(ctx, c, why, n) : rc;
}

int acl_check_records(struct cmd_ctx *ctx, const struct cmd *c)
{
	struct cmd_records *rs = c->records;
	char why[600];
	int rc;
	if (rs->checked)
		return ACL_OK;
	for (size_t i = 0; i < rs->n; i++) {
		struct cmd_record *r = &rs->rec[i];
		/* No command: it fails alike for everyone.  A group's record
		 * is answered with its group, below.  One answered already: a
		 * store error stopped an earlier call. */
		if (r->cmd == NULL || r->refused)
			continue;
		rc = check_record(ctx, r->cmd, r->err == NULL, why, sizeof why);
		if (rc == ACL_NOAUTH || rc == ACL_NOPERM)
			r->refused = xstrdup(why);
		else if (rc != ACL_OK)
			return rc;
	}
	/* A group's records differ only in a code: one answer for them all. */
	for (size_t g = 0; g < rs->ngroups; g++) {
		const struct cmd_group *grp = &rs->group[g];
		if (rs->rec[grp->first].refused)
			continue;
		rc = check_record(ctx, &grp->cmd, true, why, sizeof why);
		if (rc != ACL_OK && rc != ACL_NOAUTH && rc != ACL_NOPERM)
			return rc;
		for (size_t k = 0; rc != ACL_OK && k < grp->n; k++)
			rs->rec[grp->first + k].refused = xstrdup(why);
	}
	rs->checked = true;
	return ACL_OK;
}
