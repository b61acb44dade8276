/* test_sig.c - object signatures (common/sig.h): key files, sign/verify
 * round trip, wrong keys, every single-byte change anywhere in a signed
 * object (a full sweep over a small hand-built ELF, and >= 2000 random
 * positions of a real `tpc build --sign` object), truncation, appended
 * bytes, and missing, duplicated, oversized or misplaced .tpc.sig sections.
 * Each bad object must be refused with a reason, never crash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/ldr_obj.h"
#include "sig.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];

/* --- a small ELF64 object built by hand ------------------------------------ */

struct sect {
	const char *name;
	uint32_t type;
	const void *data;
	size_t size;
};

static void put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Sections laid out after the ELF header, each aligned to 8 (the gaps are
 * padding no ELF reader looks at), then .shstrtab, then the headers. */
static unsigned char *mkelf(const struct sect *s, int n, size_t *len)
{
	unsigned char *b = calloc(1, 65536);
	char strtab[512] = "";
	size_t off = 64, stlen = 1, noff[16], doff[16];
	int shnum = n + 2;

	assert_true(n < 14);
	for (int i = 0; i < n; i++) {
		noff[i] = stlen;
		strcpy(strtab + stlen, s[i].name);
		stlen += strlen(s[i].name) + 1;
		off = (off + 7) & ~(size_t)7;
		doff[i] = off;
		memcpy(b + off, s[i].data, s[i].size);
		off += s[i].size;
	}
	noff[n] = stlen;
	strcpy(strtab + stlen, ".shstrtab");
	stlen += sizeof(".shstrtab");
	doff[n] = off;
	memcpy(b + off, strtab, stlen);
	off = (off + stlen + 7) & ~(size_t)7;
	memcpy(b, "\177ELF\2\1\1", 7);
	put(b + 0x10, 1, 2);     /* ET_REL */
	put(b + 0x12, 247, 2);   /* EM_BPF */
	put(b + 0x14, 1, 4);
	put(b + 0x28, off, 8);   /* e_shoff */
	put(b + 0x34, 64, 2);    /* e_ehsize */
	put(b + 0x3a, 64, 2);    /* e_shentsize */
	put(b + 0x3c, shnum, 2); /* e_shnum */
	put(b + 0x3e, n + 1, 2); /* e_shstrndx */
	for (int i = 0; i <= n; i++) {
		unsigned char *h = b + off + 64 * (i + 1);

		put(h, noff[i], 4);
		put(h + 4, i < n ? s[i].type : 3 /* SHT_STRTAB */, 4);
		put(h + 0x18, doff[i], 8);
		put(h + 0x20, i < n ? s[i].size : stlen, 8);
		put(h + 0x30, 1, 8);
	}
	*len = off + 64 * shnum;
	return b;
}

static const char meta[] = "{\"tpc_meta_version\":1}";
static const unsigned char text[16] = { 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95 };

static unsigned char *small_signed(size_t *len)
{
	unsigned char ph[SIG_SECTION_SIZE];
	struct sect s[] = { { ".text", 1, text, sizeof(text) },
			    { ".tpc.meta", 1, meta, sizeof(meta) - 1 },
			    { ".tpc.sig", 1, ph, sizeof(ph) } };
	unsigned char *b;
	char err[256];

	sig__placeholder(ph);
	b = mkelf(s, 3, len);
	assert_int_equal(sig__sign(b, *len, sk, err, sizeof(err)), 0);
	return b;
}

static int setup(void **state)
{
	assert_true(sodium_init() >= 0);
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	return 0;
}

static void test_round_trip(void **state)
{
	size_t len;
	unsigned char *b = small_signed(&len);
	char err[256] = "";

	assert_int_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	/* deterministic: signing again gives the same bytes */
	{
		unsigned char *c = malloc(len);

		memcpy(c, b, len);
		assert_int_equal(sig__sign(c, len, sk, err, sizeof(err)), 0);
		assert_memory_equal(b, c, len);
		free(c);
	}
	free(b);
}

static void test_wrong_key(void **state)
{
	size_t len;
	unsigned char *b = small_signed(&len);
	char err[256] = "";

	assert_int_equal(sig__verify(b, len, pk2, err, sizeof(err)), -EKEYREJECTED);
	assert_non_null(strstr(err, "signed by another key"));
	/* re-signed with the other key: valid for it, refused for the first */
	assert_int_equal(sig__sign(b, len, sk2, err, sizeof(err)), 0);
	assert_int_equal(sig__verify(b, len, pk2, err, sizeof(err)), 0);
	assert_int_not_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	free(b);
}

/* The key id is a hint for the message; faking it does not help. */
static void test_forged_key_id(void **state)
{
	size_t len, off;
	unsigned char *b = small_signed(&len);
	char err[256] = "";
	unsigned char *p;

	p = memmem(b, len, SIG_MAGIC, SIG_MAGIC_LEN);
	assert_non_null(p);
	off = (size_t)(p - b);
	/* signature by sk2 over the object, key id of pk */
	assert_int_equal(sig__sign(b, len, sk2, err, sizeof(err)), 0);
	crypto_generichash(b + off + SIG_MAGIC_LEN, SIG_KEYID_LEN, pk, sizeof(pk), NULL, 0);
	assert_int_equal(sig__verify(b, len, pk, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "bad signature"));
	free(b);
}

/* Every byte position, every one of the 255 other values: all refused,
 * including ELF padding, the magic, the key id and the signature itself. */
static void test_flip_sweep_small(void **state)
{
	size_t len, refused = 0;
	unsigned char *b = small_signed(&len);
	char err[256];

	for (size_t i = 0; i < len; i++) {
		unsigned char orig = b[i];

		for (int x = 1; x < 256; x++) {
			b[i] = orig ^ (unsigned char)x;
			err[0] = '\0';
			assert_int_not_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
			assert_true(err[0] != '\0');
			refused++;
		}
		b[i] = orig;
	}
	assert_int_equal(refused, len * 255);
	assert_int_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	print_message("# %zu single-byte changes over %zu bytes, all refused\n", refused, len);
	free(b);
}

static void test_truncated_and_appended(void **state)
{
	size_t len;
	unsigned char *b = small_signed(&len);
	unsigned char *c = malloc(len + 1);
	char err[256];

	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(sig__verify(b, n, pk, err, sizeof(err)), 0);
	memcpy(c, b, len);
	c[len] = 0;
	assert_int_equal(sig__verify(c, len + 1, pk, err, sizeof(err)), -EBADMSG);
	free(c);
	free(b);
}

static void test_section_missing_dup_oversized(void **state)
{
	unsigned char ph[SIG_SECTION_SIZE], big[SIG_SECTION_SIZE + 1];
	struct sect base[] = { { ".text", 1, text, sizeof(text) },
			       { ".tpc.meta", 1, meta, sizeof(meta) - 1 },
			       { ".tpc.sig", 1, ph, sizeof(ph) },
			       { ".tpc.sig", 1, ph, sizeof(ph) } };
	unsigned char *b;
	size_t len;
	char err[256];

	sig__placeholder(ph);
	memset(big, 0, sizeof(big));
	memcpy(big, SIG_MAGIC, SIG_MAGIC_LEN);
	/* missing */
	b = mkelf(base, 2, &len);
	assert_int_equal(sig__verify(b, len, pk, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "unsigned: no .tpc.sig section");
	assert_int_equal(sig__sign(b, len, sk, err, sizeof(err)), -ENOENT);
	free(b);
	/* duplicated: refused for signing and for verifying */
	b = mkelf(base, 4, &len);
	assert_int_not_equal(sig__sign(b, len, sk, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "more than one"));
	assert_int_not_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	free(b);
	/* oversized, and undersized */
	base[2].data = big;
	base[2].size = sizeof(big);
	b = mkelf(base, 3, &len);
	assert_int_not_equal(sig__sign(b, len, sk, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "wrong type or size"));
	free(b);
	base[2].size = SIG_SECTION_SIZE - 1;
	b = mkelf(base, 3, &len);
	assert_int_not_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	free(b);
	/* NOBITS instead of PROGBITS */
	base[2].data = ph;
	base[2].size = sizeof(ph);
	base[2].type = 8;
	b = mkelf(base, 3, &len);
	assert_int_not_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	free(b);
	/* unknown magic */
	base[2].type = 1;
	ph[7] = '2';
	b = mkelf(base, 3, &len);
	assert_int_not_equal(sig__verify(b, len, pk, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown signature format"));
	free(b);
}

static void test_hostile_headers(void **state)
{
	size_t len;
	unsigned char *b = small_signed(&len);
	char err[256];
	unsigned char *c = malloc(len);

	/* section table and .tpc.sig offsets pointing out of the file */
	memcpy(c, b, len);
	put(c + 0x28, (uint64_t)-64, 8);
	assert_int_not_equal(sig__verify(c, len, pk, err, sizeof(err)), 0);
	memcpy(c, b, len);
	put(c + 0x3c, 0xffff, 2);
	assert_int_not_equal(sig__verify(c, len, pk, err, sizeof(err)), 0);
	memcpy(c, b, len);
	put(c + 0x3e, 0, 2);
	assert_int_not_equal(sig__verify(c, len, pk, err, sizeof(err)), 0);
	memcpy(c, b, len);
	c[4] = 1; /* ELFCLASS32 */
	assert_int_not_equal(sig__verify(c, len, pk, err, sizeof(err)), 0);
	assert_int_not_equal(sig__verify((const unsigned char *)"", 0, pk, err, sizeof(err)), 0);
	free(c);
	free(b);
}

/* --- key files ---------------------------------------------------------------- */

static void test_key_files(void **state)
{
	char dir[] = "/tmp/tpc-test-sig.XXXXXX", path[256], pub[280], err[512];
	unsigned char rpk[crypto_sign_PUBLICKEYBYTES], rsk[crypto_sign_SECRETKEYBYTES];
	unsigned char dpk[crypto_sign_PUBLICKEYBYTES];
	struct stat st;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	snprintf(pub, sizeof(pub), "%s/k.pub", dir);
	assert_int_equal(sig__keygen(path, false, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sig__read_secret(path, rsk, err, sizeof(err)), 0);
	assert_int_equal(sig__read_public(pub, rpk, err, sizeof(err)), 0);
	crypto_sign_ed25519_sk_to_pk(dpk, rsk);
	assert_memory_equal(dpk, rpk, sizeof(dpk));
	/* no overwrite without force; force gives a new key */
	assert_int_equal(sig__keygen(path, false, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(sig__keygen(path, true, err, sizeof(err)), 0);
	assert_int_equal(sig__read_public(pub, dpk, err, sizeof(err)), 0);
	assert_memory_not_equal(dpk, rpk, sizeof(dpk));
	/* public key where a secret one is wanted, and the reverse */
	assert_int_not_equal(sig__read_secret(pub, rsk, err, sizeof(err)), 0);
	assert_int_not_equal(sig__read_public(path, rpk, err, sizeof(err)), 0);
	/* malformed: bad base64, wrong length, trailing junk, inconsistent */
	f = fopen(pub, "w");
	fputs("tpc-ed25519-public-v1 !!!!\n", f);
	fclose(f);
	assert_int_not_equal(sig__read_public(pub, rpk, err, sizeof(err)), 0);
	f = fopen(pub, "w");
	fputs("tpc-ed25519-public-v1 AAAA\n", f);
	fclose(f);
	assert_int_not_equal(sig__read_public(pub, rpk, err, sizeof(err)), 0);
	f = fopen(pub, "w");
	fputs("tpc-ed25519-public-v1 JDkM7A2kY8XhChnkQQh+nBFxPvVhUO4chBpsZ+Dju+w= x\n", f);
	fclose(f);
	assert_int_not_equal(sig__read_public(pub, rpk, err, sizeof(err)), 0);
	{
		char b64[200], line[256];

		memcpy(rsk + 32, pk2, 32); /* public half of another key */
		sodium_bin2base64(b64, sizeof(b64), rsk, sizeof(rsk),
				  sodium_base64_VARIANT_ORIGINAL);
		snprintf(line, sizeof(line), "tpc-ed25519-secret-v1 %s\n", b64);
		f = fopen(path, "w");
		fputs(line, f);
		fclose(f);
		assert_int_equal(sig__read_secret(path, rsk, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "inconsistent"));
	}
	unlink(path);
	unlink(pub);
	rmdir(dir);
}

/* A FIFO or directory named like an object is refused at once, not read. */
static void test_read_file_not_regular(void **state)
{
	char dir[] = "/tmp/tpc-test-sig.XXXXXX", path[256], err[512];
	unsigned char *b = (unsigned char *)"x";
	size_t len = 1;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo.bpf.o", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(sig__read_file(path, SIG_MAX_OBJECT, &b, &len, err, sizeof(err)), -EINVAL);
	assert_null(b);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_not_equal(sig__read_file(dir, SIG_MAX_OBJECT, &b, &len, err, sizeof(err)), 0);
	assert_int_not_equal(sig__read_file("/nonexistent/x.bpf.o", SIG_MAX_OBJECT, &b, &len, err,
					    sizeof(err)), 0);
	unlink(path);
	rmdir(dir);
}

/* --- a real object from `tpc build --sign` ------------------------------------ */

static void test_real_object(void **state)
{
	const char *tpc = getenv("TPC") ? getenv("TPC") : "build/tpc";
	char dir[] = "/tmp/tpc-test-sig.XXXXXX", cmd[1024], key[256], obj[256], err[512];
	unsigned char *b = NULL, rpk[crypto_sign_PUBLICKEYBYTES];
	size_t len, refused = 0;
	struct ldr_meta *m;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/k", dir);
	snprintf(obj, sizeof(obj), "%s/o.bpf.o", dir);
	snprintf(cmd, sizeof(cmd),
		 "'%s' keygen -o %s >/dev/null && '%s' build --no-btf --sign %s "
		 "examples/block-netcat.yaml -o %s 2>/dev/null",
		 tpc, key, tpc, key, obj);
	if (system(cmd)) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
		skip(); /* no tpc or clang here */
	}
	snprintf(cmd, sizeof(cmd), "%s.pub", key);
	assert_int_equal(sig__read_public(cmd, rpk, err, sizeof(err)), 0);
	assert_int_equal(sig__read_file(obj, SIG_MAX_OBJECT, &b, &len, err, sizeof(err)), 0);
	assert_int_equal(sig__verify(b, len, rpk, err, sizeof(err)), 0);
	/* the loader's metadata reader still reads the signed object */
	m = ldr_obj__read_meta_mem(b, len, err, sizeof(err));
	assert_non_null(m);
	ldr_meta__free(m);
	/* 4000 random single-byte changes (xorshift, fixed seed) + both ends */
	for (int k = 0; k < 4002; k++) {
		size_t i;
		unsigned char orig, x;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		i = k == 4000 ? 0 : k == 4001 ? len - 1 : (size_t)(seed % len);
		x = (unsigned char)(seed >> 32) ?: 1;
		orig = b[i];
		b[i] ^= x;
		assert_int_not_equal(sig__verify(b, len, rpk, err, sizeof(err)), 0);
		b[i] = orig;
		refused++;
	}
	/* truncations at 200 points */
	for (size_t n = 0; n < len; n += len / 200 + 1)
		assert_int_not_equal(sig__verify(b, n, rpk, err, sizeof(err)), 0);
	assert_int_equal(sig__verify(b, len, rpk, err, sizeof(err)), 0);
	print_message("# real object: %zu bytes, %zu random single-byte changes refused\n", len,
		      refused);
	free(b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_forged_key_id),
		cmocka_unit_test(test_flip_sweep_small),
		cmocka_unit_test(test_truncated_and_appended),
		cmocka_unit_test(test_section_missing_dup_oversized),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_read_file_not_regular),
		cmocka_unit_test(test_real_object),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
