/* test_values.c - value parsers shared by sema and lower */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/values.h"

static int64_t iv(const char *s, enum arg_type t)
{
	const char *why = NULL;
	int64_t v = 0x5a5a;

	assert_int_equal(value__parse_int(s, t, &v, &why), 0);
	return v;
}

static int ierr(const char *s, enum arg_type t)
{
	const char *why = NULL;
	int64_t v;
	int err = value__parse_int(s, t, &v, &why);

	assert_true(err < 0);
	assert_non_null(why);
	return err;
}

static void t_int_bases(void **st)
{
	assert_int_equal(iv("42", ARG_INT), 42);
	assert_int_equal(iv("0x2a", ARG_INT), 42);
	assert_int_equal(iv("0X2A", ARG_INT), 42);
	assert_int_equal(iv("052", ARG_INT), 42);
	assert_int_equal(iv("0o52", ARG_INT), 42);
	assert_int_equal(iv("0b101010", ARG_INT), 42);
	assert_int_equal(iv("-42", ARG_INT), -42);
	assert_int_equal(iv("+42", ARG_INT), 42);
	assert_int_equal(iv("0", ARG_INT), 0);
	assert_int_equal(iv("1_000", ARG_INT), 1000);
}

static void t_int_minus_zero(void **st)
{
	assert_int_equal(iv("-0", ARG_INT), 0);
	assert_int_equal(iv("-0", ARG_UINT32), 0);
	assert_int_equal(iv("-0x0", ARG_UINT64), 0);
}

static void t_int_bad_syntax(void **st)
{
	ierr("", ARG_INT);
	ierr("0x", ARG_INT);
	ierr("0b", ARG_INT);
	ierr("-", ARG_INT);
	ierr("12abc", ARG_INT);
	ierr(" 12", ARG_INT);
	ierr("12 ", ARG_INT);
	ierr("0x1g", ARG_INT);
	ierr("08", ARG_INT); /* leading 0 is octal */
	ierr("1__0", ARG_INT);
	ierr("_1", ARG_INT);
}

static void t_int32_range(void **st)
{
	assert_int_equal(iv("2147483647", ARG_INT), 2147483647);
	assert_int_equal(iv("-2147483648", ARG_INT), -2147483648LL);
	assert_int_equal(ierr("2147483648", ARG_INT), -ERANGE);
	assert_int_equal(ierr("-2147483649", ARG_SINT32), -ERANGE);
	assert_int_equal(iv("4294967295", ARG_UINT32), 4294967295LL);
	assert_int_equal(ierr("4294967296", ARG_UINT32), -ERANGE);
	assert_int_equal(ierr("-1", ARG_UINT32), -ERANGE);
}

static void t_int_small_widths(void **st)
{
	assert_int_equal(iv("127", ARG_INT8), 127);
	assert_int_equal(iv("-128", ARG_SINT8), -128);
	assert_int_equal(ierr("128", ARG_INT8), -ERANGE);
	assert_int_equal(iv("255", ARG_UINT8), 255);
	assert_int_equal(ierr("256", ARG_UINT8), -ERANGE);
	assert_int_equal(iv("65535", ARG_UINT16), 65535);
	assert_int_equal(ierr("65536", ARG_UINT16), -ERANGE);
	assert_int_equal(iv("-32768", ARG_INT16), -32768);
	assert_int_equal(ierr("-32769", ARG_INT16), -ERANGE);
}

static void t_int64_range(void **st)
{
	assert_true(iv("9223372036854775807", ARG_LONG) == INT64_MAX);
	assert_true(iv("-9223372036854775808", ARG_LONG) == INT64_MIN);
	assert_int_equal(ierr("9223372036854775808", ARG_LONG), -ERANGE);
	assert_true((uint64_t)iv("18446744073709551615", ARG_UINT64) == UINT64_MAX);
	assert_true((uint64_t)iv("0xffffffffffffffff", ARG_SIZE_T) == UINT64_MAX);
	/* overflow of the 64-bit accumulator itself */
	assert_int_equal(ierr("18446744073709551616", ARG_UINT64), -ERANGE);
	assert_int_equal(ierr("0x10000000000000000", ARG_ULONG), -ERANGE);
	assert_int_equal(ierr("-1", ARG_SIZE_T), -ERANGE);
}

static void t_u64(void **st)
{
	const char *why;
	uint64_t v;

	assert_int_equal(value__parse_u64("4026531836", &v, &why), 0);
	assert_true(v == 4026531836ULL);
	assert_int_equal(value__parse_u64("0xff", &v, &why), 0);
	assert_true(v == 255);
	assert_int_equal(value__parse_u64("-3", &v, &why), -ERANGE);
	assert_true(value__parse_u64("host_ns", &v, &why) < 0);
}

static void t_cidr_v4(void **st)
{
	struct value_cidr c;
	const char *why;

	assert_int_equal(value__parse_cidr("10.0.0.0/8", &c, &why), 0);
	assert_int_equal(c.family, 4);
	assert_int_equal(c.prefix, 8);
	assert_int_equal(c.addr[0], 10);
	assert_int_equal(value__parse_cidr("192.168.1.1", &c, &why), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(value__parse_cidr("0.0.0.0/0", &c, &why), 0);
	assert_int_equal(c.prefix, 0);
}

static void t_cidr_bad(void **st)
{
	struct value_cidr c;
	const char *why = NULL;

	assert_int_equal(value__parse_cidr("10.0.0.0/33", &c, &why), -ERANGE);
	assert_non_null(why);
	assert_true(value__parse_cidr("10.0.0.0/", &c, &why) < 0);
	assert_true(value__parse_cidr("/8", &c, &why) < 0);
	assert_true(value__parse_cidr("10.0.0/8", &c, &why) < 0);
	assert_true(value__parse_cidr("256.0.0.1", &c, &why) < 0);
	assert_true(value__parse_cidr("10.0.0.0/-1", &c, &why) < 0);
	assert_true(value__parse_cidr("10.0.0.0/8x", &c, &why) < 0);
	assert_true(value__parse_cidr("example.com", &c, &why) < 0);
	assert_true(value__parse_cidr("", &c, &why) < 0);
	assert_int_equal(value__parse_cidr("::/129", &c, &why), -ERANGE);
}

static void t_cidr_v6(void **st)
{
	struct value_cidr c;
	const char *why;

	assert_int_equal(value__parse_cidr("::1", &c, &why), 0);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(c.addr[15], 1);
	assert_int_equal(value__parse_cidr("fd00::/8", &c, &why), 0);
	assert_int_equal(c.prefix, 8);
	assert_int_equal(c.addr[0], 0xfd);
	/* IPv4-mapped stays an IPv6 address */
	assert_int_equal(value__parse_cidr("::ffff:1.2.3.4", &c, &why), 0);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.addr[10], 0xff);
	assert_int_equal(c.addr[12], 1);
	assert_int_equal(c.addr[15], 4);
}

static void t_ports(void **st)
{
	uint16_t lo, hi;
	const char *why;

	assert_int_equal(value__parse_port_range("80", &lo, &hi, &why), 0);
	assert_int_equal(lo, 80);
	assert_int_equal(hi, 80);
	assert_int_equal(value__parse_port_range("1024:65535", &lo, &hi, &why), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 65535);
	assert_int_equal(value__parse_port_range("0", &lo, &hi, &why), 0);
	assert_int_equal(value__parse_port_range("65536", &lo, &hi, &why), -ERANGE);
	assert_int_equal(value__parse_port_range("1024:80", &lo, &hi, &why), -ERANGE);
	assert_true(value__parse_port_range("http", &lo, &hi, &why) < 0);
	assert_true(value__parse_port_range("-1", &lo, &hi, &why) < 0);
	assert_true(value__parse_port_range("80:", &lo, &hi, &why) < 0);
	assert_true(value__parse_port_range(":80", &lo, &hi, &why) < 0);
	assert_true(value__parse_port_range("", &lo, &hi, &why) < 0);
}

static void t_int_range(void **st)
{
	int64_t lo, hi;
	const char *why;

	assert_int_equal(value__parse_int_range("1:10", ARG_INT, &lo, &hi, &why), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 10);
	assert_int_equal(value__parse_int_range("-5:-1", ARG_INT, &lo, &hi, &why), 0);
	assert_int_equal(lo, -5);
	assert_int_equal(hi, -1);
	assert_int_equal(value__parse_int_range("7", ARG_INT, &lo, &hi, &why), 0);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 7);
	assert_int_equal(value__parse_int_range("10:1", ARG_INT, &lo, &hi, &why), -ERANGE);
	assert_int_equal(value__parse_int_range("0:256", ARG_UINT8, &lo, &hi, &why), -ERANGE);
	assert_true(value__parse_int_range("1:", ARG_INT, &lo, &hi, &why) < 0);
	/* unsigned 64-bit ranges compare as unsigned */
	assert_int_equal(value__parse_int_range("1:0xffffffffffffffff", ARG_UINT64, &lo, &hi,
						&why),
			 0);
}

static void t_duration(void **st)
{
	uint64_t ms;
	const char *why;

	assert_int_equal(value__parse_duration_ms("10s", &ms, &why), 0);
	assert_true(ms == 10000);
	assert_int_equal(value__parse_duration_ms("1m", &ms, &why), 0);
	assert_true(ms == 60000);
	assert_int_equal(value__parse_duration_ms("2h", &ms, &why), 0);
	assert_true(ms == 7200000);
	assert_int_equal(value__parse_duration_ms("5", &ms, &why), 0);
	assert_true(ms == 5000);
	assert_true(value__parse_duration_ms("s", &ms, &why) < 0);
	assert_true(value__parse_duration_ms("1d", &ms, &why) < 0);
	assert_true(value__parse_duration_ms("-1s", &ms, &why) < 0);
	assert_true(value__parse_duration_ms("0s", &ms, &why) < 0);
	assert_true(value__parse_duration_ms("5000000h", &ms, &why) < 0);
}

static void t_family_proto_state(void **st)
{
	const char *why;
	int v;

	assert_int_equal(value__parse_family("AF_INET", &v, &why), 0);
	assert_int_equal(v, 2);
	assert_int_equal(value__parse_family("AF_INET6", &v, &why), 0);
	assert_int_equal(v, 10);
	assert_int_equal(value__parse_family("10", &v, &why), 0);
	assert_int_equal(v, 10);
	assert_int_equal(value__parse_family("inet", &v, &why), 0);
	assert_int_equal(v, 2);
	assert_true(value__parse_family("AF_FOO", &v, &why) < 0);
	assert_int_equal(value__parse_protocol("IPPROTO_TCP", &v, &why), 0);
	assert_int_equal(v, 6);
	assert_int_equal(value__parse_protocol("17", &v, &why), 0);
	assert_int_equal(v, 17);
	assert_true(value__parse_protocol("IPPROTO_XYZ", &v, &why) < 0);
	assert_int_equal(value__parse_tcp_state("TCP_ESTABLISHED", &v, &why), 0);
	assert_int_equal(v, 1);
	assert_int_equal(value__parse_tcp_state("TCP_LISTEN", &v, &why), 0);
	assert_int_equal(v, 10);
	assert_true(value__parse_tcp_state("TCP_NOPE", &v, &why) < 0);
	assert_true(value__parse_tcp_state("256", &v, &why) < 0);
}

static void t_file_types(void **st)
{
	const char *why;
	unsigned m;

	assert_int_equal(value__parse_file_type("reg", &m, &why), 0);
	assert_int_equal(m, S_IFREG);
	assert_int_equal(value__parse_file_type("dir", &m, &why), 0);
	assert_int_equal(m, S_IFDIR);
	assert_int_equal(value__parse_file_type("pipe", &m, &why), 0);
	assert_int_equal(m, S_IFIFO);
	assert_int_equal(value__parse_file_type("fifo", &m, &why), 0);
	assert_int_equal(m, S_IFIFO);
	assert_int_equal(value__parse_file_type("sock", &m, &why), 0);
	assert_int_equal(m, S_IFSOCK);
	assert_true(value__parse_file_type("regular", &m, &why) < 0);
	assert_true(value__parse_file_type("", &m, &why) < 0);
}

static void t_port_65536(void **st)
{
	uint16_t lo, hi;
	const char *why = NULL;

	assert_int_equal(value__parse_port_range("65536", &lo, &hi, &why), -ERANGE);
	assert_string_equal(why, "port above 65535");
}

static void t_port_reversed(void **st)
{
	uint16_t lo, hi;
	const char *why = NULL;

	assert_int_equal(value__parse_port_range("1024:80", &lo, &hi, &why), -ERANGE);
	assert_string_equal(why, "range start is above its end");
}

static void t_cidr_33(void **st)
{
	struct value_cidr c;
	const char *why = NULL;

	assert_int_equal(value__parse_cidr("10.0.0.0/33", &c, &why), -ERANGE);
	assert_string_equal(why, "prefix length above 32 for an IPv4 address");
}

static void t_cidr_v4_mapped(void **st)
{
	struct value_cidr c;
	const char *why;

	assert_int_equal(value__parse_cidr("::ffff:1.2.3.4/128", &c, &why), 0);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.prefix, 128);
}

static void t_cidr_v6_full(void **st)
{
	struct value_cidr c;
	const char *why;

	assert_int_equal(value__parse_cidr("2001:db8:0:0:0:0:0:1/64", &c, &why), 0);
	assert_int_equal(c.prefix, 64);
	assert_int_equal(c.addr[0], 0x20);
	assert_int_equal(c.addr[1], 0x01);
	assert_true(value__parse_cidr("2001:db8::1::2", &c, &why) < 0);
	assert_true(value__parse_cidr("fe80::1%eth0", &c, &why) < 0);
}

static void t_int_0x_alone(void **st)
{
	const char *why = NULL;
	int64_t v;

	assert_int_equal(value__parse_int("0x", ARG_INT, &v, &why), -EINVAL);
	assert_string_equal(why, "'0x' has no hex digits");
}

static void t_int_overflow_u64(void **st)
{
	const char *why = NULL;
	int64_t v;

	assert_int_equal(value__parse_int("99999999999999999999", ARG_UINT64, &v, &why),
			 -ERANGE);
	assert_string_equal(why, "does not fit in 64 bits");
}

static void t_int_negative_unsigned(void **st)
{
	const char *why = NULL;
	int64_t v;

	assert_int_equal(value__parse_int("-5", ARG_UINT16, &v, &why), -ERANGE);
	assert_string_equal(why, "negative value for an unsigned type");
}

static void t_int_cap_and_syscall(void **st)
{
	/* capability sets are u64 masks; syscall64 too */
	assert_true((uint64_t)iv("0x1fffffffff", ARG_KERNEL_CAP_T) == 0x1fffffffffULL);
	assert_int_equal(iv("59", ARG_SYSCALL64), 59);
	assert_int_equal(ierr("-1", ARG_CAP_EFFECTIVE), -ERANGE);
}

static void t_int_unknown_width(void **st)
{
	/* auto (unresolved) accepts the union of s64 and u64 */
	assert_true(iv("-9223372036854775808", ARG_AUTO) == INT64_MIN);
	assert_true((uint64_t)iv("18446744073709551615", ARG_AUTO) == UINT64_MAX);
	assert_int_equal(ierr("-9223372036854775809", ARG_AUTO), -ERANGE);
}

static void t_int_binary_octal(void **st)
{
	assert_int_equal(iv("0b0", ARG_UINT8), 0);
	assert_int_equal(iv("0777", ARG_UINT32), 511);
	assert_int_equal(iv("0o777", ARG_UINT32), 511);
	ierr("0b2", ARG_INT);
	ierr("0o8", ARG_INT);
}

static void t_duration_units_case(void **st)
{
	uint64_t ms;
	const char *why;

	assert_int_equal(value__parse_duration_ms("3S", &ms, &why), 0);
	assert_true(ms == 3000);
	assert_int_equal(value__parse_duration_ms("1H", &ms, &why), 0);
	assert_true(ms == 3600000);
	assert_true(value__parse_duration_ms("", &ms, &why) < 0);
	assert_true(value__parse_duration_ms("1.5s", &ms, &why) < 0);
}

static void t_family_names_list(void **st)
{
	const char *why;
	int v;

	assert_int_equal(value__parse_family("AF_UNIX", &v, &why), 0);
	assert_int_equal(v, 1);
	assert_int_equal(value__parse_family("af_netlink", &v, &why), 0);
	assert_int_equal(v, 16);
	assert_true(value__parse_family("64", &v, &why) < 0);
}

static void t_file_type_names(void **st)
{
	const char *const *n = value__file_type_names();
	unsigned m;
	const char *why;
	int count = 0;

	for (; *n; n++, count++)
		assert_int_equal(value__parse_file_type(*n, &m, &why), 0);
	assert_int_equal(count, 8);
}

static void t_int_range_width(void **st)
{
	int64_t lo, hi;
	const char *why;

	assert_int_equal(value__parse_int_range("0x10:0x20", ARG_UINT32, &lo, &hi, &why), 0);
	assert_int_equal(lo, 16);
	assert_int_equal(hi, 32);
	assert_true(value__parse_int_range("a:b", ARG_INT, &lo, &hi, &why) < 0);
	assert_true(value__parse_int_range("", ARG_INT, &lo, &hi, &why) < 0);
}

/* tpcNetwork enums: names for their own types only, numbers still work */
static void t_net_consts(void **st)
{
	int64_t v;
	const char *why = NULL;

	assert_int_equal(value__parse_int("CONNECT", ARG_TCP_EVENT, &v, &why), 0);
	assert_int_equal(v, 1);
	assert_int_equal(value__parse_int("CLOSE", ARG_TCP_EVENT, &v, &why), 0);
	assert_int_equal(v, 4);
	assert_int_equal(value__parse_int("3", ARG_TCP_EVENT, &v, &why), 0);
	assert_int_equal(v, 3);
	assert_int_equal(value__parse_int("AAAA", ARG_DNS_QTYPE, &v, &why), 0);
	assert_int_equal(v, 28);
	assert_int_equal(value__parse_int("HTTPS", ARG_DNS_QTYPE, &v, &why), 0);
	assert_int_equal(v, 65);
	assert_int_not_equal(value__parse_int("connect", ARG_TCP_EVENT, &v, &why), 0);
	assert_non_null(strstr(why, "CONNECT"));
	assert_int_not_equal(value__parse_int("AAAA", ARG_TCP_EVENT, &v, &why), 0);
	assert_int_not_equal(value__parse_int("CONNECT", ARG_INT, &v, &why), 0);
	assert_int_equal(value__net_const(ARG_INT, "CONNECT", &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_int_bases),	   cmocka_unit_test(t_int_minus_zero),
		cmocka_unit_test(t_int_bad_syntax), cmocka_unit_test(t_int32_range),
		cmocka_unit_test(t_int_small_widths), cmocka_unit_test(t_int64_range),
		cmocka_unit_test(t_u64),	   cmocka_unit_test(t_cidr_v4),
		cmocka_unit_test(t_cidr_bad),	   cmocka_unit_test(t_cidr_v6),
		cmocka_unit_test(t_ports),	   cmocka_unit_test(t_int_range),
		cmocka_unit_test(t_duration),	   cmocka_unit_test(t_family_proto_state),
		cmocka_unit_test(t_file_types),	   cmocka_unit_test(t_net_consts),
		cmocka_unit_test(t_port_65536),	   cmocka_unit_test(t_port_reversed),
		cmocka_unit_test(t_cidr_33),	   cmocka_unit_test(t_cidr_v4_mapped),
		cmocka_unit_test(t_cidr_v6_full),  cmocka_unit_test(t_int_0x_alone),
		cmocka_unit_test(t_int_overflow_u64), cmocka_unit_test(t_int_negative_unsigned),
		cmocka_unit_test(t_int_cap_and_syscall), cmocka_unit_test(t_int_unknown_width),
		cmocka_unit_test(t_int_binary_octal), cmocka_unit_test(t_duration_units_case),
		cmocka_unit_test(t_family_names_list), cmocka_unit_test(t_file_type_names),
		cmocka_unit_test(t_int_range_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
