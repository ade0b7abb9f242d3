/*
 * tls — the server's TLS context: certificate, key, client-certificate
 * policy, protocol floor, ciphers and session resumption, built from the
 * config with OpenSSL 3; and what a finished handshake tells about the
 * client.
 *
 * Threads: the listener thread owns the context.  It creates each new
 * RESP connection's SSL object (tls_new_ssl; the network threads create
 * their HTTPS connections' too, under the context's lock) and rebuilds the
 * context on SIGHUP (tls_reload); connections made before keep the
 * context they were made with (OpenSSL counts its references), so a
 * reload drops nobody.
 *
 * Errors: 0, or -1 with a message in err naming the file and the reason.
 */
#ifndef YIMA_TLS_H
#define YIMA_TLS_H

#include <stddef.h>

#include "acl_file.h"

struct config;
struct tls;
typedef struct ssl_st SSL;

int tls_new(struct tls **out, const struct config *cfg, char *err, size_t errlen);
/* Read the certificate, key and CA files again; on error the old context
 * stays in use. */
int tls_reload(struct tls *t, const struct config *cfg, char *err, size_t errlen);
void tls_free(struct tls *t);
/* A server-side SSL for a new connection, or NULL (logged). */
SSL *tls_new_ssl(struct tls *t);

/* Names a verified client certificate gives its holder: the subject CN
 * first, then the DNS names of subjectAltName.  Returns how many were
 * stored in names (0: no certificate, or not verified). */
#define TLS_PEER_NAMES_MAX 8
int tls_peer_names(SSL *ssl, char names[][ACL_NAME_MAX + 1], int max);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384 resumed" for logs. */
void tls_describe(SSL *ssl, char *out, size_t n);

#endif
