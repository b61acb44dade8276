/* test_loader_request.c - GetUrl/DnsLookup in tpc-loader
 * (loader/net/request.c): which destinations are allowed, bad options,
 * and the token bucket: of many records at once only --request-rate are
 * performed (to a closed loopback port, so nothing leaves the machine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/ldr_request.h"

static void test_allowed(void **st)
{
	char *urls[] = { "http://127.0.0.1:8080/hook/", "https://ebpf.io/", NULL };
	char *names[] = { "ebpf.io", "*.example.com.", NULL };
	struct ldr_req_opts o = { .allow_url = urls, .allow_dns = names };
	char err[256];
	struct ldr_req *r = ldr_req__new(&o, NULL, err, sizeof(err));

	(void)st;
	assert_non_null(r);
	assert_true(ldr_req__url_allowed(r, "http://127.0.0.1:8080/hook/a?b=1"));
	assert_true(ldr_req__url_allowed(r, "https://ebpf.io/"));
	assert_false(ldr_req__url_allowed(r, "http://127.0.0.1:8080/other"));
	assert_false(ldr_req__url_allowed(r, "http://ebpf.io/")); /* scheme is part of it */
	assert_true(ldr_req__dns_allowed(r, "ebpf.io"));
	assert_true(ldr_req__dns_allowed(r, "EBPF.io."));
	assert_false(ldr_req__dns_allowed(r, "www.ebpf.io"));
	assert_false(ldr_req__dns_allowed(r, "ebpf.io.evil.org"));
	assert_true(ldr_req__dns_allowed(r, "a.example.com"));
	assert_true(ldr_req__dns_allowed(r, "a.b.example.com."));
	assert_false(ldr_req__dns_allowed(r, "example.com"));
	assert_false(ldr_req__dns_allowed(r, "badexample.com"));
	ldr_req__free(r);
}

static void test_off_and_bad(void **st)
{
	struct ldr_req_opts o = { 0 };
	char err[256];
	struct ldr_req *r = ldr_req__new(&o, NULL, err, sizeof(err));

	(void)st;
	assert_non_null(r);
	assert_false(ldr_req__url_allowed(r, "http://x/"));
	assert_false(ldr_req__dns_allowed(r, "x"));
	ldr_req__free(r);
	ldr_req__free(NULL);
	o.dns_server = "localhost:53";
	assert_null(ldr_req__new(&o, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "--dns-server"));
	o.dns_server = "127.0.0.1:0";
	assert_null(ldr_req__new(&o, NULL, err, sizeof(err)));
	o.dns_server = "127.0.0.1:5353";
	r = ldr_req__new(&o, NULL, err, sizeof(err));
	assert_non_null(r);
	ldr_req__free(r);
}

static void test_rate(void **st)
{
	char *urls[] = { "http://127.0.0.1:1/", NULL };
	struct ldr_req_opts o = { .allow_url = urls, .rate = 3 };
	struct ldr_meta_rule ru = { .url = "http://127.0.0.1:1/x", .fqdn = "" };
	struct ldr_meta_rule none = { .url = "", .fqdn = "" };
	char err[256];
	struct ldr_req *r = ldr_req__new(&o, NULL, err, sizeof(err));

	(void)st;
	assert_non_null(r);
	for (int i = 0; i < 10; i++)
		ldr_req__rule(r, NULL, &ru);
	ldr_req__rule(r, NULL, &none);
	/* the bucket holds 3; refills of 3/s during the loop add none */
	assert_int_equal(ldr_req__drain(r, 10000), 3);
	ldr_req__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_off_and_bad),
		cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
