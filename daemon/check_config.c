/*
 * check_config — what yimad would refuse at start, found without starting.
 *
 * Each check goes through the same function the server uses (acl_list_load,
 * tls_new), so a file that passes here is one the server takes, and the
 * messages are the server's own.
 */
#include "check_config.h"
#include "acl_file.h"
#include "config.h"
#include "tls.h"

#include <stdbool.h>
#include <string.h>

int check_config(const struct config *cfg, const char *config_file, FILE *ok, FILE *problems)
{
	char err[1200];
	int n = 0;
	if (config_check(cfg, err, sizeof err) != 0) {
		fprintf(problems, "yimad: %s%s%s\n", config_file ? config_file : "",
			config_file ? ": " : "", err);
		n++;
	}
	size_t principals = 0;
	if (cfg->acl_file[0]) {
		struct acl_list l;
		if (acl_list_load(cfg->acl_file, &l, err, sizeof err) != 0) {
			fprintf(problems, "yimad: acl_file: %s\n", err);
			n++;
		} else {
			principals = l.n;
			acl_list_free(&l);
		}
	}
	bool tls = cfg->tls_port || cfg->https_port || cfg->tls_cert[0];
	if (tls) {
		struct tls *t;
		if (tls_new(&t, cfg, err, sizeof err) != 0) {
			fprintf(problems, "yimad: %s\n", err);
			n++;
		} else {
			tls_free(t);
		}
	}
	if (n == 0) {
		fprintf(ok, "yimad: configuration OK: %s", config_file ? config_file : "(defaults)");
		if (cfg->acl_file[0])
			fprintf(ok, "; acl_file %s: %zu principal%s", cfg->acl_file, principals,
				principals == 1 ? "" : "s");
		if (tls)
			fprintf(ok, "; TLS certificate %s with its key%s%s", cfg->tls_cert,
				cfg->tls_ca[0] ? ", CA " : "", cfg->tls_ca);
		fputc('\n', ok);
	}
	return n;
}
