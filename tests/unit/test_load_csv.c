/*
 * test_load_csv.c — the native CSV reader, table-driven: each case is a
 * file's bytes and the transcript the reader must give for it, one line
 * per result:
 *   "LINE kind field=value ..."  a record (fields in enum order)
 *   "! message"                  LOAD_BAD
 *   "open: message"              load_csv_open() refused the file
 *   "warn: message"              a warning
 * plus streaming tests over files larger than the read buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "load.h"

#define CN1 "83012345678901234567"
#define CN2 "83012345678901234568"
#define PK  "83012349000000001234"
#define HDR "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty\n"
#define T   "2026-11-22T10:30:00+08:00"

static void warn(void *arg, const char *msg)
{
	buf_printf(arg, "warn: %s\n", msg);
}

/* Run the reader over the bytes of a file; the transcript into out. */
static void run_file(FILE *fp, size_t record_max, struct buf *out)
{
	struct load_opts o = { .lo_warn = warn, .lo_warn_arg = out,
	                       .lo_csv_record_max = record_max };
	char err[LOAD_MSG_MAX];
	struct load_csv *r = load_csv_open(fp, "t.csv", &o, err);
	struct load_rec rec;
	int e;

	if (r == NULL) {
		buf_printf(out, "open: %s\n", err);
		return;
	}
	while ((e = load_csv_next(r, &rec)) != LOAD_END) {
		assert_true(e == LOAD_OK || e == LOAD_BAD);
		if (e == LOAD_BAD) {
			buf_printf(out, "! %s\n", load_csv_error(r));
			continue;
		}
		buf_printf(out, "%lu %s", rec.where, load_kind_name(rec.kind));
		for (int f = 0; f < LOAD_F__COUNT; f++) {
			if (rec.f[f] == NULL)
				continue;
			assert_int_equal(strlen(rec.f[f]), rec.len[f]);
			buf_printf(out, " %s=%s", load_field_name((enum load_field)f),
			           rec.f[f]);
		}
		buf_putc(out, '\n');
	}
	assert_int_equal(load_csv_next(r, &rec), LOAD_END);
	load_csv_close(r);
}

static void run(const char *in, size_t len, size_t record_max, struct buf *out)
{
	FILE *fp = fmemopen((void *)(uintptr_t)in, len, "rb");

	assert_non_null(fp);
	run_file(fp, record_max, out);
	fclose(fp);
}

struct csv_case {
	const char *name;
	const char *in;
	size_t      len;        /* 0: strlen(in) */
	size_t      record_max; /* 0: the default */
	const char *want;
};

static const struct csv_case cases[] = {
	/* ---- every kind of event ---- */
	{ "commission, all its columns", HDR
	  "commission," T "," CN1 ",,8301234,L1,2027-06-30,1,MFR,,,5\n",
	  0, 0,
	  "2 commission product=8301234 time=" T " code=" CN1 " lot=L1 "
	  "expiry=2027-06-30 level=1 from=MFR qty=5\n" },
	{ "pack and unpack", HDR
	  "pack," T "," CN1 "," PK ",,,,,MFR,,,\n"
	  "unpack,," CN1 "," PK ",,,,,MFR,,,\n",
	  0, 0,
	  "2 pack time=" T " code=" CN1 " parent=" PK " from=MFR\n"
	  "3 unpack code=" CN1 " parent=" PK " from=MFR\n" },
	{ "ship, receive, return", HDR
	  "ship," T "," PK ",,,,,,MFR,DIST,DN-1,\n"
	  "receive,," PK ",,,,,,MFR,DIST,DN-1,\n"
	  "receive,," PK ",,,,,,,DIST,,\n"
	  "return,," PK ",,,,,,DIST,MFR,RMA 7,\n",
	  0, 0,
	  "2 ship time=" T " code=" PK " from=MFR to=DIST ref=DN-1\n"
	  "3 receive code=" PK " from=MFR to=DIST ref=DN-1\n"
	  "4 receive code=" PK " to=DIST\n"
	  "5 return code=" PK " from=DIST to=MFR ref=RMA 7\n" },
	{ "destroy and dispense", HDR
	  "destroy,," CN1 ",,,,,,PH1,,D-9,\n"
	  "dispense," T "," CN2 ",,,,,,PH1,,TX42,2\n",
	  0, 0,
	  "2 destroy code=" CN1 " from=PH1 ref=D-9\n"
	  "3 dispense time=" T " code=" CN2 " from=PH1 ref=TX42 qty=2\n" },
	{ "transform: codes separated by '|' or line breaks, CRLF too",
	  "event,time,code,lot,expiry,from,ref,product,inputs,outputs\n"
	  "transform," T ",,B2,2027-06-30,DIST,RP-1,8301234," CN1 "|" CN2 "," PK "\n"
	  "transform,,,B3,2027-06-30,DIST,,,\"" CN1 "\r\n" CN2 "\","
	  "\"(01)06901234567892(21)SN1\n(01)06901234567892(21)SN2\"\n",
	  0, 0,
	  "2 transform product=8301234 time=" T " lot=B2 expiry=2027-06-30 from=DIST "
	  "ref=RP-1 inputs=" CN1 "\n" CN2 " outputs=" PK "\n"
	  "3 transform lot=B3 expiry=2027-06-30 from=DIST inputs=" CN1 "\n" CN2
	  " outputs=(01)06901234567892(21)SN1\n(01)06901234567892(21)SN2\n" },
	{ "transform: a file of them needs no code column",
	  "event,inputs,outputs,from,lot,expiry\n"
	  "transform," CN1 "," CN2 ",M,B2,2027-06-30\n",
	  0, 0,
	  "2 transform lot=B2 expiry=2027-06-30 from=M inputs=" CN1 " outputs=" CN2 "\n" },
	{ "transform: bad rows name their line, column and code",
	  "event,code,lot,expiry,from,to,inputs,outputs\n"
	  "transform,,B2,2027-06-30,M,," CN1 ",\n"
	  "transform,,,2027-06-30,M,," CN1 "," CN2 "\n"
	  "transform,,B2,2027-02-30,M,," CN1 "," CN2 "\n"
	  "transform," CN1 ",B2,2027-06-30,M,," CN1 "," CN2 "\n"
	  "transform,,B2,2027-06-30,M,D," CN1 "," CN2 "\n"
	  "transform,,B2,2027-06-30,M,," CN1 "||" CN2 "," PK "\n"
	  "transform,,B2,2027-06-30,M,," CN1 "|," PK "\n"
	  "transform,,B2,2027-06-30,M,," CN1 "," PK "|06901234567892\n"
	  "transform,,B2,2027-06-30,M,,urn:epc:id:sgln:6901234.00001.0," PK "\n"
	  "ship," CN1 ",,,M,,," PK "\n"
	  "transform,,B2,2027-06-30,M,," CN1 "," CN2 "\n",
	  0, 0,
	  "! t.csv:2: column 'outputs': empty (transform needs it)\n"
	  "! t.csv:3: column 'lot': empty (transform needs it)\n"
	  "! t.csv:4: column 'expiry': '2027-02-30' is not a date (YYYY-MM-DD)\n"
	  "! t.csv:5: column 'code': not used by transform events (leave it empty)\n"
	  "! t.csv:6: column 'to': not used by transform events (leave it empty)\n"
	  "! t.csv:7: column 'inputs': code 2 is empty (codes are separated by one "
	  "'|' or a line break)\n"
	  "! t.csv:8: column 'inputs': code 2 is empty (codes are separated by one "
	  "'|' or a line break)\n"
	  "! t.csv:9: column 'outputs': code 2: GTIN-14 (ITF-14 case barcode) "
	  "06901234567892: a GTIN identifies a product, not a pack; scan the "
	  "traceability code (20-digit code or GS1 DataMatrix)\n"
	  "! t.csv:10: column 'inputs': code 1: 'urn:epc:id:sgln:6901234.00001.0' is a "
	  "location or party (GLN), not an item\n"
	  "! t.csv:11: column 'outputs': not used by ship events (leave it empty)\n"
	  "12 transform lot=B2 expiry=2027-06-30 from=M inputs=" CN1 " outputs=" CN2 "\n" },
	{ "GS1, EPC and Digital Link codes",
	  "event,code,parent,from\n"
	  "pack,(01)06901234567892(21)SN1,urn:epc:id:sscc:6901234.0000000001,M\n"
	  "commission,https://id.gs1.org/01/06901234567892/21/SN2,,M\n",
	  0, 0,
	  "2 pack code=(01)06901234567892(21)SN1 "
	  "parent=urn:epc:id:sscc:6901234.0000000001 from=M\n"
	  "3 commission code=https://id.gs1.org/01/06901234567892/21/SN2 from=M\n" },

	/* ---- header: any order, case and blanks, BOM, CRLF ---- */
	{ "columns in any order, only those needed",
	  "from, Code ,EVENT\nMFR," CN1 ",commission\n", 0, 0,
	  "2 commission code=" CN1 " from=MFR\n" },
	{ "UTF-8 BOM and CRLF",
	  "\xEF\xBB\xBF" "event,code,from\r\ncommission," CN1 ",MFR\r\n"
	  "commission," CN2 ",MFR\r\n", 0, 0,
	  "2 commission code=" CN1 " from=MFR\n"
	  "3 commission code=" CN2 " from=MFR\n" },
	{ "last line without a newline, CR at the end",
	  "event,code,from\r\ncommission," CN1 ",MFR\r", 0, 0,
	  "2 commission code=" CN1 " from=MFR\n" },
	{ "blank lines skipped, line numbers kept",
	  "\nevent,code,from\n\ncommission," CN1 ",MFR\n\r\n\n"
	  "commission," CN2 ",MFR\n\n", 0, 0,
	  "4 commission code=" CN1 " from=MFR\n"
	  "7 commission code=" CN2 " from=MFR\n" },
	{ "extra columns ignored with a warning",
	  "event,code,note,from,note2\ncommission," CN1 ",hello,MFR,\n", 0, 0,
	  "warn: t.csv:1: column 'note' ignored (not a column of events files)\n"
	  "warn: t.csv:1: column 'note2' ignored (not a column of events files)\n"
	  "2 commission code=" CN1 " from=MFR\n" },

	/* ---- quoting ---- */
	{ "quoted fields, doubled quotes, commas, empty quotes",
	  "event,code,from,to,ref\n"
	  "\"return\",\"" CN1 "\",\"M,1\",\"\",\"say \"\"hi\"\"\"\n",
	  0, 0,
	  "! t.csv:2: column 'to': empty (return needs it)\n" },
	{ "quoted newlines count toward line numbers",
	  "event,code,from,to,ref\n"
	  "ship," CN1 ",M,D,\"note\non\nthree lines\"\n"
	  "ship," CN2 ",M,\"D\"\"2\",\"a,b\"\r\n"
	  "sell," CN2 ",M,D,\n",
	  0, 0,
	  "2 ship code=" CN1 " from=M to=D ref=note\non\nthree lines\n"
	  "5 ship code=" CN2 " from=M to=D\"2 ref=a,b\n"
	  "! t.csv:6: unknown event 'sell' (commission, pack, unpack, ship, "
	  "receive, return, destroy, dispense or transform)\n" },
	{ "quoted header names",
	  "\"event\",\"code\",\"from\"\ncommission," CN1 ",M\n", 0, 0,
	  "2 commission code=" CN1 " from=M\n" },

	/* ---- sites and products ---- */
	{ "sites file, gln optional",
	  "site,name,kind,gln\n"
	  "MFR-1,\"Acme Pharma, Ltd\",manufacturer,6901234000016\n"
	  "PH-1,Corner pharmacy,pharmacy,\n",
	  0, 0,
	  "2 site site=MFR-1 name=Acme Pharma, Ltd kind=manufacturer "
	  "gln=6901234000016\n"
	  "3 site site=PH-1 name=Corner pharmacy kind=pharmacy\n" },
	{ "sites file errors",
	  "kind,site,name,gln\n"
	  "shop,S1,Shop,\n"
	  "pharmacy,S2,Shop,6901234000017\n"
	  "pharmacy,,Shop,\n",
	  0, 0,
	  "! t.csv:2: column 'kind': 'shop' is not a site kind (manufacturer, "
	  "distributor, pharmacy, hospital or regulator)\n"
	  "! t.csv:3: column 'gln': '6901234000017' is not a GLN (13 digits "
	  "with a correct check digit)\n"
	  "! t.csv:4: column 'site': empty (a site needs it)\n" },
	{ "products file, every column",
	  "product,name,units_per_pack,form,strength,holder,kind,nhsa_code\n"
	  "8301234,Aspirin,10,tablet,100 mg,Acme,drug,XA01\n"
	  "06901234567892,Syringe,1,,,,device,\n",
	  0, 0,
	  "2 product name=Aspirin kind=drug product=8301234 units_per_pack=10 "
	  "form=tablet strength=100 mg holder=Acme nhsa_code=XA01\n"
	  "3 product name=Syringe kind=device product=06901234567892 "
	  "units_per_pack=1\n" },
	{ "products file errors",
	  "product,name,units_per_pack,kind\n"
	  "8301234,Aspirin,0,drug\n"
	  "8301234,Aspirin,10,food\n"
	  "8301234,,10,drug\n",
	  0, 0,
	  "! t.csv:2: column 'units_per_pack': '0' is not a whole number from 1 "
	  "to 1000000\n"
	  "! t.csv:3: column 'kind': 'food' is not a product kind (drug or "
	  "device)\n"
	  "! t.csv:4: column 'name': empty (a product needs it)\n" },

	/* ---- bad rows: each one refused, the next read ---- */
	{ "wrong number of columns", HDR
	  "commission," T "," CN1 ",,\n"
	  "commission,," CN1 ",,,,,,MFR,,,,,\n"
	  "commission,," CN1 ",,,,,,MFR,,,\n",
	  0, 0,
	  "! t.csv:2: wrong number of columns (5, header has 12)\n"
	  "! t.csv:3: wrong number of columns (14, header has 12)\n"
	  "4 commission code=" CN1 " from=MFR\n" },
	{ "truncated file: the last row cut short", HDR
	  "commission,," CN1 ",,,,,,MFR,,,\n"
	  "commission,2026-11-22T10:",
	  0, 0,
	  "2 commission code=" CN1 " from=MFR\n"
	  "! t.csv:3: wrong number of columns (2, header has 12)\n" },
	{ "bad times",
	  "event,time,code,from\n"
	  "commission,2026-13-01," CN1 ",M\n"
	  "commission,2026-02-29T10:00:00+08:00," CN1 ",M\n"
	  "commission,2026-11-22T10:00:00," CN1 ",M\n"
	  "commission,2026-11-22T24:00:00Z," CN1 ",M\n"
	  "commission,2026-11-22T10:00:00+0800," CN1 ",M\n"
	  "commission,2026-11-22T10:00:00.Z," CN1 ",M\n"
	  "commission,2024-02-29 10:00:00.123456-05:30," CN1 ",M\n"
	  "commission,2026-11-22T10:00:60z," CN1 ",M\n",
	  0, 0,
	  "! t.csv:2: column 'time': '2026-13-01' is not an ISO 8601 time with "
	  "offset\n"
	  "! t.csv:3: column 'time': '2026-02-29T10:00:00+08:00' is not an ISO "
	  "8601 time with offset\n"
	  "! t.csv:4: column 'time': '2026-11-22T10:00:00' is not an ISO 8601 "
	  "time with offset\n"
	  "! t.csv:5: column 'time': '2026-11-22T24:00:00Z' is not an ISO 8601 "
	  "time with offset\n"
	  "! t.csv:6: column 'time': '2026-11-22T10:00:00+0800' is not an ISO "
	  "8601 time with offset\n"
	  "! t.csv:7: column 'time': '2026-11-22T10:00:00.Z' is not an ISO 8601 "
	  "time with offset\n"
	  "8 commission time=2024-02-29 10:00:00.123456-05:30 code=" CN1
	  " from=M\n"
	  "9 commission time=2026-11-22T10:00:60z code=" CN1 " from=M\n" },
	{ "bad expiry, level, qty",
	  "event,code,from,expiry,level,qty\n"
	  "commission," CN1 ",M,2027-02-30,,\n"
	  "commission," CN1 ",M,27-02-01,,\n"
	  "commission," CN1 ",M,,5,\n"
	  "commission," CN1 ",M,,0,\n"
	  "commission," CN1 ",M,,,0\n"
	  "commission," CN1 ",M,,,1.5\n"
	  "commission," CN1 ",M,,,-3\n"
	  "commission," CN1 ",M,,,100000001\n"
	  "commission," CN1 ",M,2028-02-29,4,100000000\n",
	  0, 0,
	  "! t.csv:2: column 'expiry': '2027-02-30' is not a date (YYYY-MM-DD)\n"
	  "! t.csv:3: column 'expiry': '27-02-01' is not a date (YYYY-MM-DD)\n"
	  "! t.csv:4: column 'level': '5' is not a whole number from 1 to 4\n"
	  "! t.csv:5: column 'level': '0' is not a whole number from 1 to 4\n"
	  "! t.csv:6: column 'qty': '0' is not a whole number from 1 to "
	  "100000000\n"
	  "! t.csv:7: column 'qty': '1.5' is not a whole number from 1 to "
	  "100000000\n"
	  "! t.csv:8: column 'qty': '-3' is not a whole number from 1 to "
	  "100000000\n"
	  "! t.csv:9: column 'qty': '100000001' is not a whole number from 1 to "
	  "100000000\n"
	  "10 commission code=" CN1 " expiry=2028-02-29 level=4 from=M "
	  "qty=100000000\n" },
	{ "bad codes: code_parse's message",
	  "event,code,parent,from\n"
	  "commission,06901234567892,,M\n"
	  "pack," CN1 ",urn:epc:id:giai:6901234.A1,M\n"
	  "commission,urn:epc:id:sgln:6901234.00001.0,,M\n",
	  0, 0,
	  "! t.csv:2: column 'code': GTIN-14 (ITF-14 case barcode) "
	  "06901234567892: a GTIN identifies a product, not a pack; scan the "
	  "traceability code (20-digit code or GS1 DataMatrix)\n"
	  "! t.csv:3: column 'parent': EPC URN 'urn:epc:id:giai:6901234.A1': not "
	  "a scheme yima keys (expected urn:epc:id:sgtin, sscc, sgln, pgln or "
	  "urn:epc:class:lgtin)\n"
	  "! t.csv:4: column 'code': 'urn:epc:id:sgln:6901234.00001.0' is a "
	  "location or party (GLN), not an item\n" },
	{ "required and unused columns per event", HDR
	  "commission,," CN1 ",,,,,,,,,\n"
	  "pack,," CN1 ",,,,,,M,,,\n"
	  "return,," CN1 ",,,,,,M,,,\n"
	  "receive,," CN1 ",,,,,,M,,,\n"
	  "dispense,,,,,,,,P,,,\n"
	  "ship,," CN1 "," PK ",,,,,M,D,,\n"
	  "dispense,," CN1 ",,,,,,P,D,,\n"
	  "pack,," CN1 "," PK ",,,,,M,,,3\n"
	  ",," CN1 ",,,,,,M,,,\n",
	  0, 0,
	  "! t.csv:2: column 'from': empty (commission needs it)\n"
	  "! t.csv:3: column 'parent': empty (pack needs it)\n"
	  "! t.csv:4: column 'to': empty (return needs it)\n"
	  "! t.csv:5: column 'to': empty (receive needs it)\n"
	  "! t.csv:6: column 'code': empty (dispense needs it)\n"
	  "! t.csv:7: column 'parent': not used by ship events (leave it empty)\n"
	  "! t.csv:8: column 'to': not used by dispense events (leave it empty)\n"
	  "! t.csv:9: column 'qty': not used by pack events (leave it empty)\n"
	  "! t.csv:10: column 'event': empty (every row needs it)\n" },
	{ "quote errors, each row refused, the file goes on",
	  "event,code,from\n"
	  "commission,\"" CN1 "\"x,M\n"
	  "commission,ab\"c,M\n"
	  "commission," CN2 ",M\n",
	  0, 0,
	  "! t.csv:2: text after a closing quote (a quoted field ends at ',' or "
	  "the end of the line)\n"
	  "! t.csv:3: quote inside an unquoted field (quote the whole field and "
	  "double the quote)\n"
	  "4 commission code=" CN2 " from=M\n" },
	{ "unterminated quoted field at the end of the file",
	  "event,code,from,ref\n"
	  "commission," CN1 ",M,\n"
	  "destroy," CN1 ",M,\"open\nquote\n",
	  0, 0,
	  "2 commission code=" CN1 " from=M\n"
	  "! t.csv:3: unterminated quoted field\n" },
	{ "a NUL byte in a field",
	  "event,code,from\ncommission," CN1 ",M\0X\ncommission," CN2 ",M\n",
	  sizeof("event,code,from\ncommission," CN1 ",M\0X\ncommission," CN2
	         ",M\n") - 1, 0,
	  "! t.csv:2: column 'from' holds a NUL byte\n"
	  "3 commission code=" CN2 " from=M\n" },
	{ "a record longer than the limit, quoted newlines in it",
	  "event,code,from,ref\n"
	  "commission," CN1 ",M,\n"
	  "ship," CN1 ",M,\"0123456789012345678901234567890123456789\n"
	  "0123456789012345678901234567890123456789\"\n"
	  "commission," CN2 ",M,\n",
	  0, 64,
	  "2 commission code=" CN1 " from=M\n"
	  "! t.csv:3: record longer than 64 bytes\n"
	  "5 commission code=" CN2 " from=M\n" },

	/* ---- the header itself ---- */
	{ "empty file", "", 0, 0, "open: t.csv: empty file (no header line)\n" },
	{ "only a BOM and blank lines", "\xEF\xBB\xBF\n\r\n", 0, 0,
	  "open: t.csv: empty file (no header line)\n" },
	{ "no key column", "a,b,c\n1,2,3\n", 0, 0,
	  "open: t.csv:1: not a yima CSV file: the header names no 'event', "
	  "'site' or 'product' column\n" },
	{ "a column twice", "event,code,from,code\n", 0, 0,
	  "open: t.csv:1: column 'code' appears twice in the header\n" },
	{ "events file without code", "event,from\n", 0, 0,
	  "open: t.csv:1: events files need a 'code' column\n" },
	{ "sites file without kind", "site,name\n", 0, 0,
	  "open: t.csv:1: sites files need a 'kind' column\n" },
	{ "products file without units_per_pack", "product,name\n", 0, 0,
	  "open: t.csv:1: products files need a 'units_per_pack' column\n" },
	{ "header with an open quote", "event,\"code\n", 0, 0,
	  "open: t.csv:1: unreadable header line\n" },
	{ "header only", HDR, 0, 0, "" },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct csv_case *c = &cases[i];
		struct buf out = BUF_INIT;

		run(c->in, c->len ? c->len : strlen(c->in), c->record_max, &out);
		if (strcmp(out.data ? out.data : "", c->want) != 0) {
			fprintf(stderr, "case '%s':\n--- want\n%s--- got\n%s", c->name,
			        c->want, out.data ? out.data : "");
			buf_free(&out);
			fail();
		}
		buf_free(&out);
	}
}

static void test_too_many_columns(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	buf_puts(&in, "event");
	for (int i = 0; i < LOAD_CSV_COLUMNS; i++)
		buf_printf(&in, ",x%d", i);
	buf_putc(&in, '\n');
	run(in.data, in.len, 0, &out);
	assert_string_equal(out.data, "open: t.csv:1: 65 columns in the header "
	                    "(at most 64)\n");
	buf_free(&in);
	buf_free(&out);
}

/* Names in messages are the caller's; load_kind_name and friends. */
static void test_names(void **state)
{
	(void)state;
	assert_string_equal(load_kind_name(LOAD_DISPENSE), "dispense");
	assert_string_equal(load_kind_name(LOAD_SITE), "site");
	assert_string_equal(load_field_name(LOAD_F_UNITS_PER_PACK),
	                    "units_per_pack");
	assert_string_equal(load_field_name(LOAD_F_QTY), "qty");
	assert_string_equal(load_field_name(LOAD_F__COUNT), "?");
}

/* More rows than fit the read buffer, with quoted fields (and their
 * newlines) across its ends: every row comes back, line numbers right,
 * offsets at record ends. */
static void test_streaming(void **state)
{
	FILE *fp = tmpfile();
	struct load_csv *r;
	struct load_rec rec;
	char err[LOAD_MSG_MAX];
	unsigned long n = 0, line = 2;
	const unsigned long rows = 60000;
	long size;

	(void)state;
	assert_non_null(fp);
	fputs("event,time,code,from,to,ref\n", fp);
	for (unsigned long i = 0; i < rows; i++) {
		if (i % 7 == 0)
			fprintf(fp, "ship," T ",8301234%09lu1234,M,D,\"DN \"\"%lu\"\"\n"
			        "second line\"\n", i, i);
		else
			fprintf(fp, "ship,%s,8301234%09lu1234,M,D,DN-%lu\r\n",
			        i % 2 ? T : "", i, i);
	}
	size = ftell(fp);
	rewind(fp);
	r = load_csv_open(fp, "big.csv", NULL, err);
	assert_non_null(r);
	assert_int_equal(load_csv_file(r), LOAD_FILE_EVENTS);
	while (load_csv_next(r, &rec) == LOAD_OK) {
		char want[64];

		assert_int_equal(rec.where, line);
		snprintf(want, sizeof(want), "8301234%09lu1234", n);
		assert_string_equal(rec.f[LOAD_F_CODE], want);
		if (n % 7 == 0) {
			snprintf(want, sizeof(want), "DN \"%lu\"\nsecond line", n);
			line += 2;
		} else {
			snprintf(want, sizeof(want), "DN-%lu", n);
			line += 1;
		}
		assert_string_equal(rec.f[LOAD_F_REF], want);
		n++;
	}
	assert_int_equal(n, rows);
	assert_int_equal(load_csv_offset(r), (unsigned long long)size);
	assert_true((unsigned long)size > 2 * LOAD_CSV_BUF);
	load_csv_close(r);
	fclose(fp);
}

/* A resumed load starts at load_csv_offset(): the offset after record k,
 * seeked to, with the header put back, gives records k+1... */
static void test_offset(void **state)
{
	static const char in[] = "\xEF\xBB\xBF" "event,code,from\n"
		"commission," CN1 ",M\n\"commission\"," CN2 ",\"M\"\r\n";
	FILE *fp = fmemopen((void *)(uintptr_t)in, sizeof(in) - 1, "rb");
	struct load_csv *r;
	struct load_rec rec;
	char err[LOAD_MSG_MAX];

	(void)state;
	r = load_csv_open(fp, "t.csv", NULL, err);
	assert_non_null(r);
	assert_int_equal(load_csv_offset(r), 19);
	assert_int_equal(load_csv_next(r, &rec), LOAD_OK);
	assert_int_equal(load_csv_offset(r), 19 + 34);
	assert_int_equal(load_csv_next(r, &rec), LOAD_OK);
	assert_int_equal(load_csv_offset(r), sizeof(in) - 1);
	assert_int_equal(load_csv_next(r, &rec), LOAD_END);
	load_csv_close(r);
	fclose(fp);
}

/* A record as long as the limit allows, at any position in the buffer. */
static void test_long_records(void **state)
{
	FILE *fp = tmpfile();
	struct load_csv *r;
	struct load_rec rec;
	struct load_opts o = { .lo_csv_record_max = 4096 };
	char err[LOAD_MSG_MAX], ref[4000];
	unsigned long ok = 0, bad = 0;
	int e;

	(void)state;
	memset(ref, 'r', sizeof(ref) - 1);
	ref[sizeof(ref) - 1] = '\0';
	fputs("event,code,from,to,ref\n", fp);
	for (int i = 0; i < 1000; i++)
		fprintf(fp, "ship," CN1 ",M,D,%s%s\n", ref, i % 10 == 9 ? ref : "");
	rewind(fp);
	r = load_csv_open(fp, "long.csv", &o, err);
	assert_non_null(r);
	while ((e = load_csv_next(r, &rec)) != LOAD_END) {
		if (e == LOAD_OK) {
			assert_int_equal(rec.len[LOAD_F_REF], sizeof(ref) - 1);
			ok++;
		} else {
			assert_int_equal(e, LOAD_BAD);
			assert_non_null(strstr(load_csv_error(r), "longer than 4096"));
			bad++;
		}
	}
	assert_int_equal(ok, 900);
	assert_int_equal(bad, 100);
	load_csv_close(r);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_too_many_columns),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_offset),
		cmocka_unit_test(test_long_records),
	};

	return cmocka_run_group_tests_name("load_csv", tests, NULL, NULL);
}
