/* fuzz_sig.c - the object signature parser/verifier (common/sig.h) on
 * arbitrary bytes: never crash, never read out of bounds; and whatever
 * sig__sign accepts and signs, sig__verify must accept with the same key
 * and refuse after any single-byte change the fuzzer picks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	unsigned char *b;
	char err[512];

	if (!ready) {
		unsigned char seed[crypto_sign_SEEDBYTES] = { 42 };

		if (sodium_init() < 0)
			abort();
		crypto_sign_seed_keypair(pk, sk, seed);
		ready = 1;
	}
	/* a private copy: exactly size bytes, so ASan sees any overread */
	b = malloc(size ? size : 1);
	memcpy(b, data, size);
	(void)sig__verify(b, size, pk, err, sizeof(err));
	if (!sig__sign(b, size, sk, err, sizeof(err))) {
		if (sig__verify(b, size, pk, err, sizeof(err)))
			abort();
		if (size) {
			size_t i = data[0] % size;

			b[i] ^= 0x5a;
			if (!sig__verify(b, size, pk, err, sizeof(err)))
				abort();
		}
	}
	free(b);
	return 0;
}
