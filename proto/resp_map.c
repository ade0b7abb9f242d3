/*
 * resp_map — fields of a reply's map (resp_map.h).
 */
#include "resp_map.h"

#include <string.h>

bool resp_is_text(const struct resp_value *v)
{
	return v && (v->type == RESP_T_SIMPLE || v->type == RESP_T_BULK ||
		     v->type == RESP_T_VERBATIM) && v->str;
}

const struct resp_value *resp_get(const struct resp_value *v, const char *key)
{
	if (v == NULL || v->type != RESP_T_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < v->n; i++) {
		const struct resp_value *k = &v->elem[2 * i];
		if (resp_is_text(k) && k->len == kl && memcmp(k->str, key, kl) == 0)
			return &v->elem[2 * i + 1];
	}
	return NULL;
}

const char *resp_get_str(const struct resp_value *v, const char *key)
{
	const struct resp_value *f = resp_get(v, key);
	return resp_is_text(f) ? f->str : NULL;
}

bool resp_get_int(const struct resp_value *v, const char *key, long long *out)
{
	const struct resp_value *f = resp_get(v, key);
	if (f == NULL || f->type != RESP_T_INT)
		return false;
	*out = (long long)f->integer;
	return true;
}

long long resp_get_num(const struct resp_value *v, const char *key)
{
	long long n = 0;
	resp_get_int(v, key, &n);
	return n;
}

const struct resp_value *resp_get_list(const struct resp_value *v, const char *key)
{
	const struct resp_value *f = resp_get(v, key);
	return f && (f->type == RESP_T_ARRAY || f->type == RESP_T_SET) ? f : NULL;
}
