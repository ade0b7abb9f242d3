/*
 * admit — a request's way in, shared by every protocol (admit.h).
 */
#include "admit.h"
#include "acl.h"
#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "parse.h"
#include "store.h"
#include "throttle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum admission refuse(struct refusal *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum admission refuse(struct refusal *r, const char *code, const char *fmt, ...)
{
	va_list ap;
	snprintf(r->code, sizeof r->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	return ADMIT_REFUSED;
}

/* The same, when the message is in r->msg already. */
static enum admission refused(struct refusal *r, const char *code)
{
	snprintf(r->code, sizeof r->code, "%s", code);
	return ADMIT_REFUSED;
}

void admit_log_noperm(const char *proto, unsigned long long id, const char *addr,
		      const struct principal *who, const struct refusal *r)
{
	bool local = who == NULL || who->role == ROLE_LOCAL;
	log_info("%s %llu %s: NOPERM for %s '%s': %s", proto, id, addr,
		 local ? "local" : acl_role_name((enum acl_role)who->role),
		 local ? "local" : who->name, r->msg);
}

void admit_note_certificate(struct refusal *r, const char *cert_refused)
{
	if (cert_refused == NULL)
		return;
	size_t n = strlen(r->msg);
	snprintf(r->msg + n, sizeof r->msg - n, " (your client certificate did not sign you "
		 "in: %s)", cert_refused);
}

/* A NOAUTH refusal, saying why the certificate did not sign in. */
static enum admission refused_noauth(struct refusal *r, const struct admit_client *client)
{
	admit_note_certificate(r, client->cert_refused);
	return refused(r, "NOAUTH");
}

struct throttle_rate *admit_rate(struct throttle *l, const struct config *cfg,
				 const struct principal *who, const struct throttle_addr *peer)
{
	if (who == NULL || who->role == ROLE_LOCAL || cfg->rate_limit == 0)
		return NULL;
	if (who->role == ROLE_NONE)
		return peer ? throttle_addr_rate(l, peer) : NULL;
	char key[ACL_NAME_MAX + 16];
	snprintf(key, sizeof key, "%s:%s", acl_role_name((enum acl_role)who->role), who->name);
	return throttle_rate_of(l, key);
}

int admit_token(struct throttle *l, struct auth *a, struct store_txn *t,
		const struct throttle_addr *peer, const char *token, size_t len, int64_t now,
		struct principal *p, enum admit_token_result *res, char *why, size_t whylen)
{
	uint8_t digest[32];
	if (auth_token_digest(token, len, digest) != 0) {
		snprintf(why, whylen, "cannot hash the token");
		*res = ADMIT_TOKEN_WRONG;
		return 0;
	}
	uint64_t fp = throttle_token_fp(digest);
	uint64_t wait = throttle_auth_wait(l, peer, fp, (time_t)now);
	if (wait) {
		snprintf(why, whylen, "too many failed sign-ins from your address; try again in "
			 "%llu s (a token that signed in from it before is still accepted)",
			 (unsigned long long)wait);
		*res = ADMIT_TOKEN_LOCKED;
		return 0;
	}
	int rc = auth_token(a, t, digest, p, why, whylen);
	if (rc == -1) {
		throttle_auth_failed(l, peer, fp, (time_t)now);
		*res = ADMIT_TOKEN_WRONG;
		return 0;
	}
	if (rc == -2) {
		*res = ADMIT_TOKEN_MISCONFIGURED;
		return 0;
	}
	if (rc == 0) {
		throttle_auth_passed(l, peer, fp, (time_t)now);
		*res = ADMIT_TOKEN_OK;
	}
	return rc;
}

enum admission admit(const struct admit_client *client, struct cmd_ctx *ctx, int64_t now_ms,
		     int argc, struct resp_arg *argv, const struct command_spec **specp,
		     struct cmd *cmd, struct refusal *r)
{
	const char *names[2] = { argv[0].ptr, argc > 1 ? argv[1].ptr : "" };
	size_t lens[2] = { argv[0].len, argc > 1 ? argv[1].len : 0 };
	int why;
	const struct command_spec *spec = command_lookup(argc, names, lens, &why);
	const struct principal *who = client->who;
	const struct config *cfg = client->cfg;
	*specp = spec;
	cmd_stamp(cmd, spec, argc, argv, now_ms, who);
	if (spec == NULL || !command_arity_ok(spec, argc))
		return ADMIT_READ;
	if (who) {
		if (client->rate && !throttle_rate_take(client->rate, cfg->rate_limit,
							cfg->rate_burst, now_ms * 1000))
			return refuse(r, "RATELIMIT", "more than %u requests a second (burst %u) "
				      "from %s; slow down", cfg->rate_limit, cfg->rate_burst,
				      client->rate_name);
		int rc = acl_check_role(who, spec, cfg->public_verify, r->msg, sizeof r->msg);
		if (rc == ACL_NOAUTH)
			return refused_noauth(r, client);
		if (rc != ACL_OK)
			return refused(r, acl_outcome_code(rc));
	}
	char err[400];
	if (cmd_parse_stamped(cmd, err, sizeof err) != 0)	/* stamped above */
		return refuse(r, "ERR", "%.*s: %s", (int)argv[0].len, argv[0].ptr, err);
	if (who) {
		int rc = acl_check_cmd(ctx, cmd, r->msg, sizeof r->msg);
		if (rc == ACL_NOAUTH)
			return refused_noauth(r, client);
		if (rc == ACL_NOPERM)
			return refused(r, acl_outcome_code(rc));
		if (rc != ACL_OK)
			return refuse(r, "STORE", "read failed: %s", store_strerror(rc));
	}
	return (spec->flags & CMD_F_WRITE) ? ADMIT_WRITE : ADMIT_READ;
}
