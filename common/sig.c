/* sig.c - see sig.h */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- keys ------------------------------------------------------------------ */

void sig__key_id_hex(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[33])
{
	unsigned char id[SIG_KEYID_LEN];

	crypto_generichash(id, sizeof(id), pk, crypto_sign_PUBLICKEYBYTES, NULL, 0);
	sodium_bin2hex(out, 33, id, sizeof(id));
}

static int write_key(const char *path, const char *tag, const unsigned char *key, size_t n,
		     mode_t mode, bool force, char *err, size_t errlen)
{
	char line[256];
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	int fd, len, ret = 0;

	if (force && unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot replace '%s': %s", path, strerror(errno));
		return -errno;
	}
	/* O_EXCL: never follow a planted symlink, never widen an existing file */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s%s", path, strerror(errno),
			 errno == EEXIST ? " (use --force to overwrite)" : "");
		return ret;
	}
	sodium_bin2base64(b64, sizeof(b64), key, n, sodium_base64_VARIANT_ORIGINAL);
	len = snprintf(line, sizeof(line), "%s %s\n", tag, b64);
	if (fchmod(fd, mode) || write(fd, line, len) != len || fsync(fd)) {
		ret = -errno ?: -EIO;
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	}
	sodium_memzero(line, sizeof(line));
	sodium_memzero(b64, sizeof(b64));
	if (close(fd) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	}
	if (ret)
		unlink(path);
	return ret;
}

int sig__keygen(const char *secret_path, bool force, char *err, size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char *pub_path = NULL;
	struct stat st;
	int ret;

	if (asprintf(&pub_path, "%s.pub", secret_path) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* check both before writing either, so a refusal leaves nothing behind */
	if (!force && (!lstat(secret_path, &st) || !lstat(pub_path, &st))) {
		snprintf(err, errlen, "'%s' already exists (use --force to overwrite)",
			 !lstat(secret_path, &st) ? secret_path : pub_path);
		ret = -EEXIST;
		goto cleanup;
	}
	crypto_sign_keypair(pk, sk);
	ret = write_key(secret_path, SIG_SECRET_TAG, sk, sizeof(sk), 0600, force, err, errlen);
	if (!ret) {
		ret = write_key(pub_path, SIG_PUBLIC_TAG, pk, sizeof(pk), 0644, force, err,
				errlen);
		if (ret)
			unlink(secret_path);
	}
cleanup:
	sodium_memzero(sk, sizeof(sk));
	free(pub_path);
	return ret;
}

/* One line "TAG BASE64\n" decoding to exactly n bytes. */
static int read_key(const char *path, const char *tag, unsigned char *key, size_t n, char *err,
		    size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len, tl = strlen(tag), got = 0;
	const char *end;
	int ret;

	ret = sig__read_file(path, 4096, &buf, &len, err, errlen);
	if (ret)
		return ret;
	ret = -EINVAL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len <= tl || memcmp(buf, tag, tl) || buf[tl] != ' ') {
		snprintf(err, errlen, "'%s' is not a tpc key file (expected a line \"%s <base64>\")",
			 path, tag);
		goto cleanup;
	}
	if (sodium_base642bin(key, n, (const char *)buf + tl + 1, len - tl - 1, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    got != n || end != (const char *)buf + len) {
		snprintf(err, errlen, "'%s': malformed key (bad base64 or not %zu bytes)", path, n);
		goto cleanup;
	}
	ret = 0;
cleanup:
	sodium_memzero(buf, len);
	free(buf);
	return ret;
}

int sig__read_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err,
		     size_t errlen)
{
	return read_key(path, SIG_PUBLIC_TAG, pk, crypto_sign_PUBLICKEYBYTES, err, errlen);
}

int sig__read_secret(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES], char *err,
		     size_t errlen)
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk2[crypto_sign_SECRETKEYBYTES];
	int ret = read_key(path, SIG_SECRET_TAG, sk, crypto_sign_SECRETKEYBYTES, err, errlen);

	if (ret)
		return ret;
	/* the public half stored in sk must be the one the seed derives, or
	 * signatures would verify against a key other than the intended one */
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	crypto_sign_seed_keypair(pk, sk2, seed);
	if (sodium_memcmp(sk, sk2, sizeof(sk2))) {
		snprintf(err, errlen, "'%s': inconsistent secret key", path);
		ret = -EINVAL;
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk2, sizeof(sk2));
	return ret;
}

int sig__read_file(const char *path, size_t max, unsigned char **buf, size_t *len, char *err,
		   size_t errlen)
{
	struct stat st;
	unsigned char *b = NULL;
	size_t n = 0;
	int fd, ret = 0;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO planted in a policy directory must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file", path);
		ret = -EINVAL;
		goto cleanup;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "'%s' is too large (%lld bytes, limit %zu)", path,
			 (long long)st.st_size, max);
		ret = -EFBIG;
		goto cleanup;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto cleanup;
	}
	/* read what is there now; a file that grows past st_size is cut off
	 * and then fails verification rather than being read unbounded */
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
			ret = -errno;
			goto cleanup;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	b = NULL;
cleanup:
	free(b);
	close(fd);
	return ret;
}

/* --- ELF ------------------------------------------------------------------- */

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* [a, a + an) and [b, b + bn) share a byte (both lie inside the file) */
static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn && b < a + an;
}

/* Find the single .tpc.sig section; *off is its file offset. */
static int find_sig(const unsigned char *buf, size_t len, size_t *off, char *err, size_t errlen)
{
	uint64_t shoff, stroff, strsize;
	unsigned shnum, shentsize, shstrndx, found = 0;
	const unsigned char *sh;

	if (len < 64 || memcmp(buf, "\177ELF", 4)) {
		snprintf(err, errlen, "not an ELF object");
		return -EINVAL;
	}
	if (buf[4] != 2 || buf[5] != 1) {
		snprintf(err, errlen, "not a 64-bit little-endian ELF object");
		return -EINVAL;
	}
	shoff = le(buf + 0x28, 8);
	shentsize = le(buf + 0x3a, 2);
	shnum = le(buf + 0x3c, 2);
	shstrndx = le(buf + 0x3e, 2);
	if (shentsize != 64 || !shnum || shstrndx >= shnum || shoff > len ||
	    (uint64_t)shnum * 64 > len - shoff) {
		snprintf(err, errlen, "malformed or truncated ELF section header table");
		return -EINVAL;
	}
	sh = buf + shoff + (uint64_t)shstrndx * 64;
	stroff = le(sh + 0x18, 8);
	strsize = le(sh + 0x20, 8);
	if (stroff > len || strsize > len - stroff) {
		snprintf(err, errlen, "malformed or truncated ELF section name table");
		return -EINVAL;
	}
	for (unsigned i = 0; i < shnum; i++) {
		uint64_t name, soff, ssize;

		sh = buf + shoff + (uint64_t)i * 64;
		name = le(sh, 4);
		if (name >= strsize || strsize - name < sizeof(SIG_SECTION) ||
		    memcmp(buf + stroff + name, SIG_SECTION, sizeof(SIG_SECTION)))
			continue;
		if (found++) {
			snprintf(err, errlen, "more than one " SIG_SECTION " section");
			return -EINVAL;
		}
		soff = le(sh + 0x18, 8);
		ssize = le(sh + 0x20, 8);
		if (le(sh + 4, 4) != 1 /* SHT_PROGBITS */ || ssize != SIG_SECTION_SIZE) {
			snprintf(err, errlen, SIG_SECTION " section has the wrong type or size "
				 "(%llu bytes, expected %d)", (unsigned long long)ssize,
				 SIG_SECTION_SIZE);
			return -EINVAL;
		}
		if (soff > len || ssize > len - soff) {
			snprintf(err, errlen, SIG_SECTION " section lies beyond the end of the file");
			return -EINVAL;
		}
		/* Signing writes into the section: if it overlapped the bytes
		 * that locate it (ELF header, section headers, their names),
		 * the signed file would describe another layout than the one
		 * that was signed and never verify (found by fuzz_sig). */
		if (overlaps(soff, ssize, 0, 64) ||
		    overlaps(soff, ssize, shoff, (uint64_t)shnum * 64) ||
		    overlaps(soff, ssize, stroff, strsize)) {
			snprintf(err, errlen, SIG_SECTION " section overlaps the ELF header, the "
				 "section headers or their names");
			return -EINVAL;
		}
		*off = soff;
	}
	if (!found) {
		snprintf(err, errlen, "unsigned: no " SIG_SECTION " section");
		return -ENOENT;
	}
	if (memcmp(buf + *off, SIG_MAGIC, SIG_MAGIC_LEN)) {
		snprintf(err, errlen, "unknown signature format in " SIG_SECTION);
		return -EINVAL;
	}
	return 0;
}

/* SIG_DOMAIN\0 + the file with the signature bytes zeroed. */
static unsigned char *message(const unsigned char *buf, size_t len, size_t sig_at, size_t *mlen)
{
	unsigned char *m = malloc(sizeof(SIG_DOMAIN) + len);

	if (!m)
		return NULL;
	memcpy(m, SIG_DOMAIN, sizeof(SIG_DOMAIN));
	memcpy(m + sizeof(SIG_DOMAIN), buf, len);
	memset(m + sizeof(SIG_DOMAIN) + sig_at, 0, crypto_sign_BYTES);
	*mlen = sizeof(SIG_DOMAIN) + len;
	return m;
}

void sig__placeholder(unsigned char out[SIG_SECTION_SIZE])
{
	memset(out, 0, SIG_SECTION_SIZE);
	memcpy(out, SIG_MAGIC, SIG_MAGIC_LEN);
}

int sig__sign(unsigned char *buf, size_t len, const unsigned char sk[crypto_sign_SECRETKEYBYTES],
	      char *err, size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], *m;
	size_t off = 0, mlen, sig_at;
	int ret = find_sig(buf, len, &off, err, errlen);

	if (ret)
		return ret;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	crypto_generichash(buf + off + SIG_MAGIC_LEN, SIG_KEYID_LEN, pk, sizeof(pk), NULL, 0);
	sig_at = off + SIG_MAGIC_LEN + SIG_KEYID_LEN;
	m = message(buf, len, sig_at, &mlen);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	crypto_sign_detached(buf + sig_at, NULL, m, mlen, sk);
	free(m);
	return 0;
}

int sig__verify(const unsigned char *buf, size_t len,
		const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err, size_t errlen)
{
	unsigned char id[SIG_KEYID_LEN], *m;
	size_t off = 0, mlen, sig_at;
	int ret = find_sig(buf, len, &off, err, errlen);

	if (ret)
		return ret;
	crypto_generichash(id, sizeof(id), pk, crypto_sign_PUBLICKEYBYTES, NULL, 0);
	if (memcmp(id, buf + off + SIG_MAGIC_LEN, SIG_KEYID_LEN)) {
		char want[33], got[33];

		sig__key_id_hex(pk, want);
		sodium_bin2hex(got, sizeof(got), buf + off + SIG_MAGIC_LEN, SIG_KEYID_LEN);
		snprintf(err, errlen, "signed by another key (key id %s, expected %s)", got, want);
		return -EKEYREJECTED;
	}
	sig_at = off + SIG_MAGIC_LEN + SIG_KEYID_LEN;
	m = message(buf, len, sig_at, &mlen);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = crypto_sign_verify_detached(buf + sig_at, m, mlen, pk);
	free(m);
	if (ret) {
		snprintf(err, errlen, "bad signature: the object was modified after signing");
		return -EBADMSG;
	}
	return 0;
}
