/*
 * test_code_gs1ai.c — the GS1 Application Identifier table: its order and
 * shape, the facts DOMAIN.md lists for healthcare AIs, and value checks
 * (lengths, character sets, check digits, dates) per AI.
 */
#include "test_code_cases.h"
#include "code_gs1ai.h"

/* Every AI of every entry, ranges expanded, by calling f(ai string). */
static void each_ai(void (*f)(const char *ai, const struct gs1_ai *e))
{
	const struct gs1_ai *e;

	for (size_t i = 0; (e = gs1_ai_at(i)) != NULL; i++) {
		size_t d = gs1_ai_digits(e);
		char ai[5];

		memcpy(ai, e->ga_lo, d + 1);
		for (;;) {
			f(ai, e);
			if (memcmp(ai, e->ga_hi, d) == 0)
				break;
			/* next AI number, same width */
			for (size_t k = d; k-- > 0;) {
				if (ai[k] != '9') {
					ai[k]++;
					break;
				}
				ai[k] = '0';
			}
		}
	}
}

static void check_find(const char *ai, const struct gs1_ai *e)
{
	char buf[16];
	size_t len, d = strlen(ai);

	snprintf(buf, sizeof(buf), "%s123456", ai);
	assert_ptr_equal(gs1_ai_find(buf, strlen(buf), &len), e);
	assert_int_equal(len, d);
	assert_ptr_equal(gs1_ai_exact(ai, d), e);
	/* Predefined length exactly for AIs starting 00-04, 11-20, 31-36,
	 * 41 (DOMAIN.md; GS1 General Specifications). */
	int p2 = (ai[0] - '0') * 10 + ai[1] - '0';
	bool predef = p2 <= 4 || (p2 >= 11 && p2 <= 20) ||
	              (p2 >= 31 && p2 <= 36) || p2 == 41;

	assert_int_equal(!!(e->ga_flags & GS1_AI_PREDEF), predef);
	if (predef)
		assert_true(gs1_ai_fixed_len(e) > 0);
}

static char all_ais[600][5];
static size_t n_ais;

static void collect(const char *ai, const struct gs1_ai *e)
{
	(void)e;
	assert_true(n_ais < sizeof(all_ais) / sizeof(all_ais[0]));
	memcpy(all_ais[n_ais++], ai, 5);
}

static void test_table_shape(void **state)
{
	const struct gs1_ai *e, *prev = NULL;

	(void)state;
	for (size_t i = 0; (e = gs1_ai_at(i)) != NULL; i++) {
		size_t d = gs1_ai_digits(e);

		assert_true(d >= 2 && d <= 4);
		assert_int_equal(strlen(e->ga_hi), d);
		assert_true(memcmp(e->ga_lo, e->ga_hi, d) <= 0);
		if (prev != NULL)
			assert_true(strcmp(prev->ga_hi, e->ga_lo) < 0);
		assert_non_null(e->ga_name);
		assert_true(e->ga_parts[0].gp_cset != 0);
		/* only the last component varies; optional ones come last */
		bool opt = false;

		for (size_t k = 0; k < GS1_PARTS_MAX && e->ga_parts[k].gp_cset;
		     k++) {
			const struct gs1_part *p = &e->ga_parts[k];

			assert_true(p->gp_min >= 1 && p->gp_min <= p->gp_max);
			if (opt)
				assert_true(p->gp_opt);
			opt = opt || p->gp_opt;
			if (p->gp_min != p->gp_max)
				assert_true(k + 1 == GS1_PARTS_MAX ||
				            e->ga_parts[k + 1].gp_cset == 0);
		}
		prev = e;
	}
	/* prefix-free: no AI starts another */
	n_ais = 0;
	each_ai(collect);
	assert_true(n_ais > 150);
	for (size_t i = 0; i < n_ais; i++)
		for (size_t j = 0; j < n_ais; j++)
			if (i != j)
				assert_false(strncmp(all_ais[i], all_ais[j],
				                     strlen(all_ais[i])) == 0);
	each_ai(check_find);
}

/* gs1_ai_find against a walk of the whole table, for every string of two
 * to four digits (with more digits after it): the same entry, the same
 * length. */
static void test_find_matches_a_table_walk(void **state)
{
	(void)state;
	for (int d = 2; d <= 4; d++) {
		int count = d == 2 ? 100 : d == 3 ? 1000 : 10000;
		for (int v = 0; v < count; v++) {
			char buf[16];
			snprintf(buf, sizeof(buf), "%0*d", d, v);
			const struct gs1_ai *want = NULL, *e;
			size_t want_len = 4;
			for (size_t i = 0; (e = gs1_ai_at(i)) != NULL && want == NULL; i++) {
				size_t ad = gs1_ai_digits(e);
				if (ad <= (size_t)d && memcmp(buf, e->ga_lo, ad) >= 0 &&
				    memcmp(buf, e->ga_hi, ad) <= 0) {
					want = e;
					want_len = ad;
				}
			}
			char full[24];
			snprintf(full, sizeof(full), "%s%s", buf, d == 4 ? "" : "A");
			size_t len;
			const struct gs1_ai *got = gs1_ai_find(full, strlen(full), &len);
			if (got != want || (want && len != want_len)) {
				print_error("'%s': found %s, want %s\n", buf,
					    got ? got->ga_lo : "none", want ? want->ga_lo : "none");
				fail();
			}
		}
	}
}

static void test_lookup_misses(void **state)
{
	static const char *const misses[] = {
		"04", "05", "09", "14", "18", "19", "23", "26", "29", "3106",
		"3380", "3580", "38", "3944", "3956", "404", "418", "428",
		"4334", "5", "6", "7000", "7012", "7042", "718", "7243", "7260",
		"8000", "8015", "8027", "8044", "8113", "8201", "89",
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%s0000", misses[i]);
		if (gs1_ai_find(buf, strlen(buf), &len) != NULL) {
			print_error("'%s' found\n", misses[i]);
			fail();
		}
	}
	assert_null(gs1_ai_find("0", 1, &len));
	assert_null(gs1_ai_find("", 0, &len));
	assert_null(gs1_ai_find("31", 2, &len));  /* cut off: 31nn */
	assert_int_equal(len, 2);
	assert_null(gs1_ai_find("A1", 2, &len));
	assert_null(gs1_ai_exact("0", 1));
	assert_null(gs1_ai_exact("010", 3));
}

/* The healthcare AIs of DOMAIN.md section 3. */
static void test_domain_facts(void **state)
{
	static const struct {
		const char *ai;
		bool predef;
		size_t fixed, max;
	} facts[] = {
		{ "00", true, 18, 18 },   { "01", true, 14, 14 },
		{ "02", true, 14, 14 },   { "37", false, 0, 8 },
		{ "10", false, 0, 20 },   { "11", true, 6, 6 },
		{ "17", true, 6, 6 },     { "21", false, 0, 20 },
		{ "240", false, 0, 30 },  { "30", false, 0, 8 },
		{ "400", false, 0, 30 },  { "410", true, 13, 13 },
		{ "414", true, 13, 13 },  { "416", true, 13, 13 },
		{ "417", true, 13, 13 },  { "7003", false, 10, 10 },
		{ "710", false, 0, 20 },  { "711", false, 0, 20 },
		{ "712", false, 0, 20 },  { "713", false, 0, 20 },
		{ "714", false, 0, 20 },  { "715", false, 0, 20 },
		{ "716", false, 0, 20 },  { "8003", false, 0, 30 },
		{ "8004", false, 0, 30 }, { "8006", false, 18, 18 },
		{ "8017", false, 18, 18 }, { "8018", false, 18, 18 },
		{ "90", false, 0, 30 },   { "91", false, 0, 90 },
		{ "99", false, 0, 90 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct gs1_ai *e = gs1_ai_exact(facts[i].ai,
		                                      strlen(facts[i].ai));

		assert_non_null(e);
		assert_int_equal(!!(e->ga_flags & GS1_AI_PREDEF),
		                 facts[i].predef);
		assert_int_equal(gs1_ai_fixed_len(e), facts[i].fixed);
		assert_int_equal(gs1_ai_max_len(e), facts[i].max);
	}
}

/* Values per AI: what gs1_ai_check() accepts and what it refuses. */
static const struct {
	const char *ai, *value;
	enum code_err err;
} values[] = {
	{ "00", "069012340000000016", CODE_OK },
	{ "00", "069012340000000017", CODE_E_CHECK },
	{ "00", "06901234000000001", CODE_E_TRUNCATED },
	{ "00", "0690123400000000160", CODE_E_LENGTH },
	{ "01", "06901234567892", CODE_OK },
	{ "01", "16901234567899", CODE_OK },
	{ "01", "00000000000000", CODE_OK },
	{ "01", "06901234567890", CODE_E_CHECK },
	{ "01", "0690123456789X", CODE_E_CHARSET },
	{ "01", "6901234567892", CODE_E_TRUNCATED },
	{ "02", "06901234567892", CODE_OK },
	{ "10", "A", CODE_OK },
	{ "10", "abcDEF-123/.,_", CODE_OK },
	{ "10", "12345678901234567890", CODE_OK },
	{ "10", "123456789012345678901", CODE_E_LENGTH },
	{ "10", "", CODE_E_LENGTH },
	{ "10", "A B", CODE_E_CHARSET },
	{ "10", "A#B", CODE_E_CHARSET },
	{ "10", "A~B", CODE_E_CHARSET },
	{ "10", "A\x7f", CODE_E_CHARSET },
	{ "11", "250101", CODE_OK },
	{ "11", "250100", CODE_OK },
	{ "11", "251301", CODE_E_DATE },
	{ "17", "271231", CODE_OK },
	{ "17", "270229", CODE_E_DATE },
	{ "17", "280229", CODE_OK },
	{ "17", "270230", CODE_E_DATE },
	{ "17", "270631", CODE_E_DATE },
	{ "17", "270600", CODE_OK },
	{ "17", "27123", CODE_E_TRUNCATED },
	{ "17", "2712311", CODE_E_LENGTH },
	{ "17", "27-231", CODE_E_CHARSET },
	{ "20", "01", CODE_OK },
	{ "21", "SN12345", CODE_OK },
	{ "21", "\"%&'()*+,-./:;<=>?_", CODE_OK },
	{ "21", "SN\xe2\x80\x8b", CODE_E_CHARSET },
	{ "240", "123456789012345678901234567890", CODE_OK },
	{ "240", "1234567890123456789012345678901", CODE_E_LENGTH },
	{ "30", "12345678", CODE_OK },
	{ "30", "123456789", CODE_E_LENGTH },
	{ "30", "1A", CODE_E_CHARSET },
	{ "37", "24", CODE_OK },
	{ "3103", "000525", CODE_OK },
	{ "3103", "00052", CODE_E_TRUNCATED },
	{ "3922", "1995", CODE_OK },
	{ "3932", "1561995", CODE_OK },
	{ "3932", "15", CODE_E_LENGTH },
	{ "400", "PO-2026/7", CODE_OK },
	{ "410", "6901234000016", CODE_OK },
	{ "414", "6901234000016", CODE_OK },
	{ "414", "6901234000017", CODE_E_CHECK },
	{ "417", "6901234000023", CODE_OK },
	{ "422", "156", CODE_OK },
	{ "423", "156276", CODE_OK },
	{ "423", "1562", CODE_E_LENGTH },
	{ "423", "156276840250380", CODE_OK },
	{ "423", "156276840250380392", CODE_E_LENGTH },
	{ "4321", "1", CODE_OK },
	{ "4321", "2", CODE_E_SYNTAX },
	{ "4324", "2712312359", CODE_OK },
	{ "4324", "2712002359", CODE_OK },
	{ "4324", "2712312400", CODE_E_DATE },
	{ "4326", "271200", CODE_E_DATE },
	{ "4330", "000250", CODE_OK },
	{ "4330", "000250-", CODE_OK },
	{ "4330", "000250+", CODE_E_SYNTAX },
	{ "7003", "2712312359", CODE_OK },
	{ "7003", "2712002359", CODE_E_DATE },
	{ "7003", "271231235", CODE_E_TRUNCATED },
	{ "7007", "250101", CODE_OK },
	{ "7007", "250101250131", CODE_OK },
	{ "7007", "2501012501", CODE_E_LENGTH },
	{ "7011", "271231", CODE_OK },
	{ "7011", "2712311200", CODE_OK },
	{ "7030", "156ABC", CODE_OK },
	{ "7040", "1ABC", CODE_OK },
	{ "7040", "A1BC", CODE_E_CHARSET },
	{ "710", "PZN12345", CODE_OK },
	{ "711", "3400930000000", CODE_OK },
	{ "714", "1234567", CODE_OK },
	{ "7250", "19800229", CODE_OK },
	{ "7250", "19810229", CODE_E_DATE },
	{ "7250", "00000101", CODE_E_DATE },
	{ "7258", "1/2", CODE_OK },
	{ "7258", "3/2", CODE_E_SYNTAX },
	{ "8001", "12345678901234", CODE_OK },
	{ "8001", "00005678901234", CODE_E_SYNTAX },
	{ "8003", "06901234567892", CODE_OK },
	{ "8003", "06901234567892SERIAL", CODE_OK },
	{ "8003", "06901234567893", CODE_E_CHECK },
	{ "8004", "6901234ASSET-1", CODE_OK },
	{ "8006", "069012345678920102", CODE_OK },
	{ "8006", "069012345678920000", CODE_E_SYNTAX },
	{ "8008", "25010108", CODE_OK },
	{ "8008", "2501010830", CODE_OK },
	{ "8008", "250101083000", CODE_OK },
	{ "8008", "25010124", CODE_E_DATE },
	{ "8008", "2501010860", CODE_E_DATE },
	{ "8010", "CPID-#/1", CODE_OK },
	{ "8010", "cpid", CODE_E_CHARSET },
	{ "8011", "0", CODE_OK },
	{ "8011", "12", CODE_OK },
	{ "8011", "012", CODE_E_SYNTAX },
	{ "8013", "1987654Ad4X4bL5ttr2310c2K", CODE_OK },
	{ "8013", "1987654Ad4X4bL5ttr2310c3K", CODE_E_CHECK },
	{ "8013", "2K", CODE_E_SYNTAX },
	{ "8017", "690123400000000018", CODE_OK },
	{ "8018", "690123400000000018", CODE_OK },
	{ "8018", "690123400000000011", CODE_E_CHECK },
	{ "8030", "abc-_DEF", CODE_OK },
	{ "8030", "abc+", CODE_E_CHARSET },
	{ "90", "123456789012345678901234567890", CODE_OK },
	{ "91", "internal", CODE_OK },
	{ "99", "123456789012345678901234567890123456789012345678901234567890"
	        "123456789012345678901234567890", CODE_OK },
};

static void test_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct code_result r;
		struct code_ctx ctx = { &r, 0, 2026, 0 };
		const char *ai = values[i].ai, *v = values[i].value;
		const struct gs1_ai *e = gs1_ai_exact(ai, strlen(ai));
		enum code_err err;

		assert_non_null(e);
		r.cr_msg[0] = '\0';
		err = gs1_ai_check(&ctx, e, ai, v, strlen(v), 0, true);
		if (err != values[i].err) {
			print_error("(%s) '%s': %s (%s), expected %s\n", ai, v,
			            code_err_name(err), r.cr_msg,
			            code_err_name(values[i].err));
			fail();
		}
		if (err != CODE_OK)
			assert_non_null(strstr(r.cr_msg, ai));
	}
}

static void test_csumalpha(void **state)
{
	char pair[2];

	(void)state;
	gs1_csumalpha("1987654Ad4X4bL5ttr2310c", 23, pair);
	assert_memory_equal(pair, "2K", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_lookup_misses),
		cmocka_unit_test(test_find_matches_a_table_walk),
		cmocka_unit_test(test_domain_facts),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_csumalpha),
	};

	return cmocka_run_group_tests_name("code_gs1ai", tests, NULL, NULL);
}
