/*
 * acl — who may run what: principals, the role matrix, and the check that
 * a site-scoped principal names only its own site.
 *
 * The matrix is one table in acl.c, a row per command and a bit per role;
 * proto/PROTOCOL.md ("Access") shows the same table.  Checking a request is
 * a table lookup; only principals that act for one site (pharmacy,
 * hospital, distributor, manufacturer) and unauthenticated clients have
 * their site argument read, through the same option parser the command's
 * handler uses, and resolved to a site number (a site may be named by id
 * or GLN).
 */
#ifndef YIMA_ACL_H
#define YIMA_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl_file.h"
#include "command.h"
#include "resp.h"

struct cmd_ctx;

/* Who sent a request.  Copied by value wherever it goes (connections,
 * write jobs): nothing refers back to the ACL list it came from. */
struct principal {
	uint8_t  role;				/* enum acl_role */
	uint32_t site;				/* site-scoped roles: site number */
	char     name[ACL_NAME_MAX + 1];	/* token or certificate name, "local" */
	char     site_id[ACL_NAME_MAX + 1];	/* site-scoped roles: site id */
};

enum acl_outcome {
	ACL_OK = 0,
	ACL_NOAUTH = -1,	/* not authenticated, and the command needs it */
	ACL_NOPERM = -2,	/* the role may not, or not for that site */
};

/* Does the matrix let `role` run command `id` (site aside)? */
bool acl_role_may(enum acl_role role, enum cmd_id id, bool public_verify);

/*
 * May principal p (NULL: trusted, as the local principal) run the command
 * at all?  ACL_OK, or ACL_NOAUTH / ACL_NOPERM with a message in err saying
 * who may not do what.  Checked before the request's words are read.
 */
int acl_check_role(const struct principal *p, const struct command_spec *spec,
		   bool public_verify, char *err, size_t errlen);

/*
 * May the parsed command's principal (c->who) run it as given: a TIME only
 * where the role may back-date, and the acting site (the grammar's
 * `acting` option) its own?  ACL_OK, ACL_NOAUTH or ACL_NOPERM with a
 * message in err, or a store error code (resolving a site that is not
 * named by its own id failed).  Opens the read transaction (cmd_read_txn)
 * only for that.  EVENTS: its records are checked (acl_check_records).
 */
struct cmd;
int acl_check_cmd(struct cmd_ctx *ctx, const struct cmd *c, char *err, size_t errlen);

/* Both, for a command that arrives inside another (an EVENTS record). */
int acl_check(struct cmd_ctx *ctx, const struct cmd *c, bool public_verify, char *err,
	      size_t errlen);

/*
 * EVENTS: put each of c's records to the role matrix and to acl_check_cmd,
 * for c's principal, as if it were sent alone, and keep each refusal with
 * its record (cmd_record.refused); a record that does not parse is put to
 * the matrix only.  acl_check_cmd does this for an EVENTS request; a
 * second call changes nothing.  ACL_OK (the records' answers are theirs,
 * not the request's), or a store error code.
 */
int acl_check_records(struct cmd_ctx *ctx, const struct cmd *c);

/* The error code word for an outcome: "NOAUTH" or "NOPERM". */
const char *acl_outcome_code(int outcome);

/* Does this principal see only what concerns its own site (TRACE, ALERTS)? */
static inline bool acl_sees_own_site_only(const struct principal *p)
{
	return p != NULL && acl_role_site_scoped((enum acl_role)p->role);
}

#endif
