/* cmd_sign.c - `tpc keygen` and `tpc verify-signature` (common/sig.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "sig.h"

static const char keygen_usage[] =
	"usage: tpc keygen -o KEY [--force]\n"
	"\n"
	"Create an ed25519 key pair for 'tpc build --sign': the secret key in KEY\n"
	"(mode 0600) and the public key in KEY.pub, for 'tpc-loader run\n"
	"--require-signature' and 'tpc verify-signature'.\n"
	"\n"
	"  -o, --output KEY   secret key file (required)\n"
	"  --force            overwrite existing files\n"
	"\n"
	"Exit status: 0 written, 2 usage or error.\n";

int do_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL;
	bool force = false;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char err[512], id[33], pub[4096];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(keygen_usage, stdout);
			return 0;
		default:
			fputs(keygen_usage, stderr);
			return 2;
		}
	}
	if (!out || optind != argc) {
		fputs(keygen_usage, stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "tpc: libsodium failed to initialize\n");
		return 2;
	}
	if (sig__keygen(out, force, err, sizeof(err))) {
		fprintf(stderr, "tpc keygen: error: %s\n", err);
		return 2;
	}
	snprintf(pub, sizeof(pub), "%s.pub", out);
	if (!sig__read_public(pub, pk, err, sizeof(err))) {
		sig__key_id_hex(pk, id);
		printf("wrote %s (secret, mode 0600) and %s; key id %s\n", out, pub, id);
	}
	return 0;
}

static const char verify_usage[] =
	"usage: tpc verify-signature --key KEY.pub OBJ.bpf.o...\n"
	"\n"
	"Check that each object carries a valid signature by KEY.pub over its\n"
	"whole contents (see docs/security.md).\n"
	"\n"
	"  -k, --key FILE     public key written by 'tpc keygen' (required)\n"
	"  -q, --quiet        print only failures\n"
	"\n"
	"Exit status: 0 every object valid, 1 some object unsigned, tampered or\n"
	"unreadable, 2 usage error or unreadable key.\n";

int do_verify_signature(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *key = NULL;
	bool quiet = false;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char err[512], id[33];
	int c, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(verify_usage, stdout);
			return 0;
		default:
			fputs(verify_usage, stderr);
			return 2;
		}
	}
	if (!key || optind >= argc) {
		fputs(verify_usage, stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "tpc: libsodium failed to initialize\n");
		return 2;
	}
	if (sig__read_public(key, pk, err, sizeof(err))) {
		fprintf(stderr, "tpc verify-signature: error: %s\n", err);
		return 2;
	}
	sig__key_id_hex(pk, id);
	for (int i = optind; i < argc; i++) {
		unsigned char *buf = NULL;
		size_t len = 0;

		if (sig__read_file(argv[i], SIG_MAX_OBJECT, &buf, &len, err, sizeof(err)) ||
		    sig__verify(buf, len, pk, err, sizeof(err))) {
			printf("%s: INVALID: %s\n", argv[i], err);
			ret = 1;
		} else if (!quiet) {
			printf("%s: valid signature (key id %s)\n", argv[i], id);
		}
		free(buf);
	}
	return ret;
}
