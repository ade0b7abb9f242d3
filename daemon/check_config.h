/*
 * check_config — `yimad --check-config`: read what yimad would read at
 * start (the config file, the flags, the ACL file, the TLS certificate,
 * key and CA) and say what is wrong, starting nothing: no listener, no
 * store, no thread.  For an operator before a restart, and for systemd's
 * ExecStartPre.
 */
#ifndef YIMA_CHECK_CONFIG_H
#define YIMA_CHECK_CONFIG_H

#include <stdio.h>

struct config;

/*
 * Check cfg, already read from its file and flags (main.c reports their
 * errors, as FILE:LINE: message), for what depends on other files: the
 * options together (config_check), the ACL file (FILE:LINE: message), the
 * TLS files when a TLS listener is on or a certificate is named.  Each
 * problem is one line on `problems`; a summary of what was found good is
 * one line on `ok` when there is none.  Returns the number of problems.
 */
int check_config(const struct config *cfg, const char *config_file, FILE *ok, FILE *problems);

#endif
