/* sig.h - ed25519 signatures over whole tpc objects (compiler and loader).
 *
 * Contract: a signed object carries exactly one ELF section ".tpc.sig" of
 * SIG_SECTION_SIZE bytes: the 8-byte magic "TPCSIG01", a 16-byte key id
 * (BLAKE2b-128 of the public key) and a 64-byte ed25519 signature.  The
 * signed message is SIG_DOMAIN (with its NUL) followed by the entire file
 * with only the 64 signature bytes set to zero, so every other byte of the
 * file - ELF header, section headers, padding, .tpc.meta, the magic and key
 * id - is covered, and adding the section before signing does not
 * invalidate anything (docs/security.md, "Signed objects").
 * sig__sign() patches the signature into a buffer that already has the
 * section (placeholder from sig__placeholder()); sig__verify() checks a
 * buffer.  Both parse the ELF64 little-endian layout themselves with every
 * offset bounds-checked, so hostile input is refused, never trusted.
 * Functions return 0 or a negative errno and put a one-line, lowercase
 * reason in err.  Callers must have called sodium_init().
 */
#ifndef TPC_SIG_H
#define TPC_SIG_H

#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>

#define SIG_SECTION ".tpc.sig"
#define SIG_MAGIC "TPCSIG01"
#define SIG_MAGIC_LEN 8
#define SIG_KEYID_LEN 16
#define SIG_SECTION_SIZE (SIG_MAGIC_LEN + SIG_KEYID_LEN + crypto_sign_BYTES)
#define SIG_DOMAIN "tpc-object-signature-v1"
#define SIG_SECRET_TAG "tpc-ed25519-secret-v1"
#define SIG_PUBLIC_TAG "tpc-ed25519-public-v1"
/* objects larger than this are refused before reading (hostile input) */
#define SIG_MAX_OBJECT (256u << 20)

/* Generate a key pair and write SECRET (mode 0600) and SECRET.pub (0644);
 * without force, an existing file is never overwritten. */
int sig__keygen(const char *secret_path, bool force, char *err, size_t errlen);
int sig__read_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err,
		     size_t errlen);
int sig__read_secret(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES], char *err,
		     size_t errlen);
/* Key id as 32 hex digits + NUL. */
void sig__key_id_hex(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[33]);

/* The section contents tpc build adds before signing. */
void sig__placeholder(unsigned char out[SIG_SECTION_SIZE]);
int sig__sign(unsigned char *buf, size_t len, const unsigned char sk[crypto_sign_SECRETKEYBYTES],
	      char *err, size_t errlen);
int sig__verify(const unsigned char *buf, size_t len,
		const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err, size_t errlen);

/* Read a whole regular file of at most max bytes into a malloc'd buffer. */
int sig__read_file(const char *path, size_t max, unsigned char **buf, size_t *len, char *err,
		   size_t errlen);

#endif
