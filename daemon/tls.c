/*
 * tls — building the server's SSL_CTX and reading client certificates.
 *
 * Choices, and why:
 *   - TLS 1.2 is the floor: 1.0 and 1.1 are deprecated (RFC 8996).  1.3 is
 *     negotiated whenever the client has it.
 *   - tls_ciphers sets the TLS 1.2 list (forward secrecy, AEAD only by
 *     default); TLS 1.3's suites are OpenSSL's, all AEAD.
 *   - No compression (CRIME) and no renegotiation (a client could make the
 *     server redo handshakes at will).
 *   - Session resumption, when on, uses both the server's session cache
 *     and tickets; the session id context is set so that sessions of a
 *     connection with a client certificate resume with it.
 */
#include "tls.h"
#include "config.h"
#include "log.h"
#include "xmem.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tls {
	/* The main thread swaps it on SIGHUP while network threads make
	 * HTTPS connections from it (SSL_new takes its own reference). */
	pthread_mutex_t lock;
	SSL_CTX *ctx;
};

static const unsigned char SESSION_CONTEXT[] = "yimad";

/* The first OpenSSL error, as text (the queue is cleared). */
static const char *ssl_error(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	if (e == 0)
		snprintf(buf, n, "unknown error");
	else
		ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

static SSL_CTX *build(const struct config *cfg, char *err, size_t errlen)
{
	char why[256];
	if (cfg->tls_cert[0] == '\0' || cfg->tls_key[0] == '\0') {
		snprintf(err, errlen, "tls_port is set: tls_cert and tls_key must name the "
			 "server certificate and key");
		return NULL;
	}
	if (cfg->tls_verify_client != CONFIG_VERIFY_NONE && cfg->tls_ca[0] == '\0') {
		snprintf(err, errlen, "tls_verify_client is %s: tls_ca must name the CA "
			 "bundle client certificates chain to",
			 cfg->tls_verify_client == CONFIG_VERIFY_REQUIRED ? "required" : "optional");
		return NULL;
	}
	const char *const files[3][2] = { { "tls_cert", cfg->tls_cert }, { "tls_key", cfg->tls_key },
					  { "tls_ca", cfg->tls_ca } };
	for (int i = 0; i < 3; i++)
		if (files[i][1][0] && access(files[i][1], R_OK) != 0) {
			snprintf(err, errlen, "%s %s: %s", files[i][0], files[i][1], strerror(errno));
			return NULL;
		}
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "TLS: %s", ssl_error(why, sizeof why));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* A client that closes without close_notify has simply left: RESP
	 * frames its own requests, so a cut-off one is never run. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers) != 1) {
		snprintf(err, errlen, "tls_ciphers '%s': no usable cipher (%s)", cfg->tls_ciphers,
			 ssl_error(why, sizeof why));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		snprintf(err, errlen, "tls_cert %s: %s", cfg->tls_cert, ssl_error(why, sizeof why));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "tls_key %s: %s", cfg->tls_key, ssl_error(why, sizeof why));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "tls_key %s does not belong to the certificate in %s",
			 cfg->tls_key, cfg->tls_cert);
		ERR_clear_error();
		goto fail;
	}
	X509 *own = SSL_CTX_get0_certificate(ctx);
	if (own && X509_cmp_current_time(X509_get0_notAfter(own)) < 0)
		log_warn("tls_cert %s has expired: clients will refuse it", cfg->tls_cert);

	if (cfg->tls_verify_client != CONFIG_VERIFY_NONE) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1) {
			snprintf(err, errlen, "tls_ca %s: %s", cfg->tls_ca,
				 ssl_error(why, sizeof why));
			goto fail;
		}
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->tls_ca);
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		ERR_clear_error();
		int mode = SSL_VERIFY_PEER;
		if (cfg->tls_verify_client == CONFIG_VERIFY_REQUIRED)
			mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		SSL_CTX_set_verify(ctx, mode, NULL);
	}
	SSL_CTX_set_session_id_context(ctx, SESSION_CONTEXT, sizeof SESSION_CONTEXT - 1);
	if (cfg->tls_session_timeout) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_set_timeout(ctx, (long)cfg->tls_session_timeout);
	} else {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int tls_new(struct tls **out, const struct config *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx = build(cfg, err, errlen);
	if (ctx == NULL)
		return -1;
	struct tls *t = xcalloc(1, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
	t->ctx = ctx;
	*out = t;
	return 0;
}

int tls_reload(struct tls *t, const struct config *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx = build(cfg, err, errlen);
	if (ctx == NULL)
		return -1;
	pthread_mutex_lock(&t->lock);
	SSL_CTX *old = t->ctx;
	t->ctx = ctx;
	pthread_mutex_unlock(&t->lock);
	SSL_CTX_free(old);	/* live connections hold their own reference */
	return 0;
}

void tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

SSL *tls_new_ssl(struct tls *t)
{
	pthread_mutex_lock(&t->lock);
	SSL *ssl = SSL_new(t->ctx);
	pthread_mutex_unlock(&t->lock);
	if (ssl == NULL) {
		char why[256];
		log_error("TLS: cannot create a connection: %s", ssl_error(why, sizeof why));
	}
	return ssl;
}

/* Keep a name only if it could be an ACL name or site id: a certificate
 * field is outside data and goes into logs and lookups. */
static bool usable_name(const unsigned char *s, int n)
{
	if (n <= 0 || n > ACL_NAME_MAX)
		return false;
	for (int i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-' || c == '@'))
			return false;
	}
	return true;
}

static int add_name(char names[][ACL_NAME_MAX + 1], int count, int max,
		    const unsigned char *s, int n)
{
	if (count >= max || !usable_name(s, n))
		return count;
	memcpy(names[count], s, (size_t)n);
	names[count][n] = '\0';
	return count + 1;
}

int tls_peer_names(SSL *ssl, char names[][ACL_NAME_MAX + 1], int max)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	if (peer == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	int count = 0;
	X509_NAME *subject = X509_get_subject_name(peer);
	int i = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
	if (i >= 0) {
		ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, cn);
		if (n > 0)
			count = add_name(names, count, max, utf8, n);
		OPENSSL_free(utf8);
	}
	GENERAL_NAMES *san = X509_get_ext_d2i(peer, NID_subject_alt_name, NULL, NULL);
	for (int k = 0; san && k < sk_GENERAL_NAME_num(san); k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, k);
		if (g->type == GEN_DNS)
			count = add_name(names, count, max, ASN1_STRING_get0_data(g->d.dNSName),
					 ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(san);
	return count;
}

void tls_describe(SSL *ssl, char *out, size_t n)
{
	snprintf(out, n, "%s %s%s", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
		 SSL_session_reused(ssl) ? " resumed" : "");
}
