/*
 * gen_code — identifiers for yima-gen (see gen_code.h).
 */
#include "gen_code.h"

#include <assert.h>
#include <string.h>

char gen_gs1_check(const char *digits, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[n - 1 - i] - '0');
		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

void gen_digits(char *out, uint64_t v, unsigned n)
{
	for (unsigned i = n; i > 0; i--) {
		out[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
}

void gen_gln(uint32_t locref, char out[14])
{
	assert(locref < 100000);
	memcpy(out, GEN_CP, 7);
	gen_digits(out + 7, locref, 5);
	out[12] = gen_gs1_check(out, 12);
	out[13] = '\0';
}

void gen_gtin(unsigned indicator, uint32_t itemref, char out[15])
{
	assert(indicator < 10 && itemref < 100000);
	out[0] = (char)('0' + indicator);
	memcpy(out + 1, GEN_CP, 7);
	gen_digits(out + 8, itemref, 5);
	out[13] = gen_gs1_check(out, 13);
	out[14] = '\0';
}

void gen_sscc(unsigned ext, uint64_t serialref, char out[19])
{
	assert(ext < 10 && serialref < 1000000000u);
	out[0] = (char)('0' + ext);
	memcpy(out + 1, GEN_CP, 7);
	gen_digits(out + 8, serialref, 9);
	out[17] = gen_gs1_check(out, 17);
	out[18] = '\0';
}

/* One round function of the Feistel network: 20 bits in, 20 bits out. */
static uint32_t round20(uint32_t half, uint64_t key, unsigned round)
{
	uint64_t z = (uint64_t)half ^ (key + 0x9e3779b97f4a7c15ull * (round + 1));
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint32_t)(z & 0xfffffu);
}

uint64_t gen_permute40(uint64_t x, uint64_t key)
{
	assert(x < (1ull << 40));
	uint32_t l = (uint32_t)(x >> 20), r = (uint32_t)(x & 0xfffffu);
	for (unsigned i = 0; i < 4; i++) {
		uint32_t t = l ^ round20(r, key, i);
		l = r;
		r = t;
	}
	return ((uint64_t)l << 20) | r;
}

void gen_base32(uint64_t v, char out[9])
{
	static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	for (int i = 7; i >= 0; i--) {
		out[i] = alpha[v & 31];
		v >>= 5;
	}
	out[8] = '\0';
}

size_t gen_urn_sgtin(const char gtin14[15], const char *serial, char out[GEN_URN_MAX])
{
	size_t n = 0, sl = strlen(serial);
	assert(sl <= 20);
	memcpy(out, "urn:epc:id:sgtin:", 17);
	n = 17;
	memcpy(out + n, gtin14 + 1, 7);	/* company prefix */
	n += 7;
	out[n++] = '.';
	out[n++] = gtin14[0];		/* indicator, then the item reference */
	memcpy(out + n, gtin14 + 8, 5);
	n += 5;
	out[n++] = '.';
	memcpy(out + n, serial, sl);	/* Crockford base 32: no escaping needed */
	n += sl;
	out[n] = '\0';
	return n;
}

size_t gen_urn_sscc(const char sscc18[19], char out[GEN_URN_MAX])
{
	size_t n = 16;
	memcpy(out, "urn:epc:id:sscc:", 16);
	memcpy(out + n, sscc18 + 1, 7);
	n += 7;
	out[n++] = '.';
	out[n++] = sscc18[0];		/* extension digit, then the serial reference */
	memcpy(out + n, sscc18 + 8, 9);
	n += 9;
	out[n] = '\0';
	return n;
}

size_t gen_urn_sgln(const char gln13[14], char out[GEN_URN_MAX])
{
	size_t n = 16;
	memcpy(out, "urn:epc:id:sgln:", 16);
	memcpy(out + n, gln13, 7);
	n += 7;
	out[n++] = '.';
	memcpy(out + n, gln13 + 7, 5);
	n += 5;
	memcpy(out + n, ".0", 3);
	return n + 2;
}
