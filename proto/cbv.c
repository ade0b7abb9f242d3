/*
 * cbv.c — CBV terms out of their URI forms (cbv.h).
 */
#include "cbv.h"

#include <string.h>

const char *cbv_term(const char *s, const char *vocab, const char *urn)
{
	static const char web[] = "https://ref.gs1.org/cbv/";
	static const char cbv[] = "cbv:";
	size_t v = strlen(vocab);

	if (s == NULL)
		return NULL;
	if (strncmp(s, web, sizeof(web) - 1) == 0 &&
	    strncmp(s + sizeof(web) - 1, vocab, v) == 0 &&
	    s[sizeof(web) - 1 + v] == '-')
		return s + sizeof(web) + v;
	if (strncmp(s, cbv, sizeof(cbv) - 1) == 0 &&
	    strncmp(s + sizeof(cbv) - 1, vocab, v) == 0 &&
	    s[sizeof(cbv) - 1 + v] == '-')
		return s + sizeof(cbv) + v;
	if (strncmp(s, urn, strlen(urn)) == 0)
		return s + strlen(urn);
	return s;
}
