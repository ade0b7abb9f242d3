#!/bin/sh
# Make development TLS certificates with openssl:
#
#   config/gen-dev-certs.sh OUTDIR [SITE...]
#
#   OUTDIR/ca.crt, ca.key           a development CA (yimad --tls-ca)
#   OUTDIR/server.crt, server.key   yimad's certificate for localhost,
#                                   127.0.0.1 and ::1 (--tls-cert, --tls-key)
#   OUTDIR/SITE.crt, SITE.key       a client certificate per site, subject
#                                   CN=SITE: it signs in as that site
#                                   (yima --cert, --key)
#
# An existing CA in OUTDIR is reused, so sites can be added later.  Keys are
# ECDSA P-256.  DAYS (default 365) sets how long the certificates last.
# For development and tests only: the CA key sits unencrypted beside them.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 OUTDIR [SITE...]" >&2
	exit 2
fi
out=$1
shift
days=${DAYS:-365}
mkdir -p "$out"
umask 077

newkey() {  # newkey FILE
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# sign NAME SUBJECT EXTENSIONS: NAME.csr → NAME.crt, signed by the CA
sign() {
	ext=$(mktemp)
	printf '%s\n' "$3" > "$ext"
	openssl req -new -key "$out/$1.key" -subj "$2" -out "$out/$1.csr"
	openssl x509 -req -in "$out/$1.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
		-CAcreateserial -days "$days" -sha256 -extfile "$ext" \
		-out "$out/$1.crt" 2>/dev/null
	rm -f "$ext" "$out/$1.csr"
}

if [ ! -f "$out/ca.crt" ] || [ ! -f "$out/ca.key" ]; then
	newkey "$out/ca.key"
	openssl req -x509 -new -key "$out/ca.key" -subj "/O=yima development/CN=yima dev CA" \
		-days "$days" -sha256 -out "$out/ca.crt" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
fi

newkey "$out/server.key"
sign server "/O=yima development/CN=localhost" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

for site in "$@"; do
	case $site in
	*[!A-Za-z0-9._:-]* | "")
		echo "$0: '$site' is not a site id (A-Z a-z 0-9 . _ : -)" >&2
		exit 2 ;;
	esac
	newkey "$out/$site.key"
	sign "$site" "/O=yima development/CN=$site" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
chmod 644 "$out"/*.crt
echo "certificates in $out: ca.crt server.crt${*:+ $(printf '%s.crt ' "$@")}"
