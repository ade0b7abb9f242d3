/*
 * category — category names and policy lines.
 */
#include "category.h"
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *zh;
} names[CAT__COUNT] = {
	[CAT_NONE] = { "", "" },
	[CAT_ORDINARY] = { "ordinary", "普通药品" },
	[CAT_VACCINE] = { "vaccine", "疫苗" },
	[CAT_BLOOD_PRODUCT] = { "blood_product", "血液制品" },
	[CAT_NARCOTIC] = { "narcotic", "麻醉药品" },
	[CAT_PSYCHOTROPIC] = { "psychotropic", "精神药品" },
	[CAT_PSYCHOTROPIC_1] = { "psychotropic_1", "第一类精神药品" },
	[CAT_PSYCHOTROPIC_2] = { "psychotropic_2", "第二类精神药品" },
	[CAT_TOXIC] = { "toxic", "医疗用毒性药品" },
	[CAT_RADIOACTIVE] = { "radioactive", "放射性药品" },
	[CAT_PRECURSOR] = { "precursor", "药品类易制毒化学品" },
	[CAT_BOTULINUM] = { "botulinum", "注射用A型肉毒毒素" },
};

const char *category_name(enum category c)
{
	return (unsigned)c < CAT__COUNT ? names[c].name : "";
}

const char *category_name_zh(enum category c)
{
	return (unsigned)c < CAT__COUNT ? names[c].zh : "";
}

enum category category_of(const char *s, size_t n)
{
	for (int c = CAT_ORDINARY; c < CAT__COUNT; c++)
		if (strlen(names[c].name) == n && memcmp(names[c].name, s, n) == 0)
			return (enum category)c;
	return CAT_NONE;
}

static int severity_word(const char *v, uint32_t *out)
{
	if (strcmp(v, "red") == 0)
		*out = CONFIG_RED;
	else if (strcmp(v, "amber") == 0)
		*out = CONFIG_AMBER;
	else
		return -1;
	return 0;
}

/* One "name=value" setting into p. */
static int setting(const char *name, const char *v, struct category_policy *p, char *err,
		   size_t errlen)
{
	if (strcmp(name, "not_received") == 0 || strcmp(name, "in_transit") == 0) {
		uint32_t *f = name[0] == 'n' ? &p->not_received : &p->in_transit;
		if (severity_word(v, f) == 0)
			return 0;
		snprintf(err, errlen, "%s=%s: not red or amber", name, v);
		return -1;
	}
	if (strcmp(name, "split_sale") == 0) {
		if (strcmp(v, "refuse") == 0 || strcmp(v, "allow") == 0) {
			p->split_sale = v[0] == 'r';
			return 0;
		}
		snprintf(err, errlen, "split_sale=%s: not refuse or allow", v);
		return -1;
	}
	if (strcmp(name, "near_expiry_days") == 0) {
		char *end;
		unsigned long d = strtoul(v, &end, 10);
		if (v[0] >= '0' && v[0] <= '9' && *end == '\0' && d <= 3650) {
			p->near_expiry_days = (uint32_t)d;
			return 0;
		}
		snprintf(err, errlen, "near_expiry_days=%s: not a number of days from 0 to 3650", v);
		return -1;
	}
	snprintf(err, errlen, "unknown setting '%s'; settings are not_received, in_transit, "
		 "split_sale, near_expiry_days", name);
	return -1;
}

int category_policy_parse(const char *text, struct category_policy *p, char *err,
			  size_t errlen)
{
	struct category_policy q = { POLICY_INHERIT, POLICY_INHERIT, POLICY_INHERIT,
				     POLICY_INHERIT };
	char buf[256];
	if (strlen(text) >= sizeof buf) {
		snprintf(err, errlen, "a policy line is at most %zu bytes", sizeof buf - 1);
		return -1;
	}
	strcpy(buf, text);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		char *eq = strchr(w, '=');
		if (eq == NULL || eq == w || eq[1] == '\0') {
			snprintf(err, errlen, "'%.40s' is not name=value", w);
			return -1;
		}
		*eq = '\0';
		if (setting(w, eq + 1, &q, err, errlen) != 0)
			return -1;
	}
	*p = q;
	return 0;
}

void category_policy_format(const struct category_policy *p, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
#define ADD(...) do { if (used < n) { int w_ = snprintf(out + used, n - used, __VA_ARGS__); \
		if (w_ > 0) used += (size_t)w_; } } while (0)
	if (p->not_received != POLICY_INHERIT)
		ADD("%snot_received=%s", used ? " " : "",
		    p->not_received == CONFIG_RED ? "red" : "amber");
	if (p->in_transit != POLICY_INHERIT)
		ADD("%sin_transit=%s", used ? " " : "",
		    p->in_transit == CONFIG_RED ? "red" : "amber");
	if (p->split_sale != POLICY_INHERIT)
		ADD("%ssplit_sale=%s", used ? " " : "", p->split_sale ? "refuse" : "allow");
	if (p->near_expiry_days != POLICY_INHERIT)
		ADD("%snear_expiry_days=%u", used ? " " : "", p->near_expiry_days);
#undef ADD
}
