/* values.c - see values.h */
#include "base/values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "tpc_abi.h"

#define FAIL(msg)                                                              \
	do {                                                                   \
		if (why)                                                       \
			*why = (msg);                                          \
		return -EINVAL;                                                \
	} while (0)

#define FAIL_RANGE(msg)                                                        \
	do {                                                                   \
		if (why)                                                       \
			*why = (msg);                                          \
		return -ERANGE;                                                \
	} while (0)

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Magnitude and sign of an integer literal. strtoull is not used because it
 * accepts leading blanks, "0x" alone and silently wraps negative input. */
static int parse_mag(const char *s, bool *neg, uint64_t *mag, const char **why)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool any = false;

	if (!s || !*s)
		FAIL("empty value");
	*neg = false;
	if (*s == '-' || *s == '+') {
		*neg = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			FAIL("'0x' has no hex digits");
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
		if (!*s)
			FAIL("'0b' has no binary digits");
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		s += 2;
		if (!*s)
			FAIL("'0o' has no octal digits");
	} else if (s[0] == '0' && s[1]) {
		base = 8; /* C and Go: a leading 0 means octal */
		s += 1;
	}
	for (; *s; s++) {
		int d = digit_val(*s);

		if (*s == '_' && any && s[1] && digit_val(s[1]) < (int)base)
			continue; /* Go-style digit separators */
		if (d >= (int)base) {
			if (base == 8 && d < 10)
				FAIL("digit out of range for an octal number (leading 0 means octal)");
			FAIL("not an integer");
		}
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			FAIL_RANGE("does not fit in 64 bits");
		v = v * base + (uint64_t)d;
		any = true;
	}
	if (!any)
		FAIL("not an integer");
	*mag = v;
	return 0;
}

/* Width in bits and signedness of the integer an arg type carries. */
static void int_shape(enum arg_type t, int *bits, bool *sign)
{
	*sign = arg_type__is_signed(t);
	switch (t) {
	case ARG_SINT8:
	case ARG_INT8:
	case ARG_UINT8:
		*bits = 8;
		break;
	case ARG_SINT16:
	case ARG_INT16:
	case ARG_UINT16:
		*bits = 16;
		break;
	case ARG_INT:
	case ARG_SINT32:
	case ARG_INT32:
	case ARG_UINT32:
	case ARG_CAPABILITY:
	case ARG_BPF_CMD:
	case ARG_TCP_EVENT:
	case ARG_DNS_QTYPE:
		*bits = 32;
		break;
	case ARG_LONG:
	case ARG_SINT64:
	case ARG_INT64:
		*bits = 64;
		break;
	case ARG_ULONG:
	case ARG_UINT64:
	case ARG_UNSIGNED_LONG:
	case ARG_SIZE_T:
	case ARG_KERNEL_CAP_T:
	case ARG_CAP_INHERITABLE:
	case ARG_CAP_PERMITTED:
	case ARG_CAP_EFFECTIVE:
	case ARG_SYSCALL64:
		*bits = 64;
		*sign = false;
		break;
	default:
		*bits = 0; /* unknown width: anything that fits s64 or u64 */
		break;
	}
}

static const char *const tcp_event_names[] = { "CONNECT", "ACCEPT", "LISTEN", "CLOSE", NULL };
static const int tcp_event_vals[] = { TPC_TCP_CONNECT, TPC_TCP_ACCEPT, TPC_TCP_LISTEN,
				      TPC_TCP_CLOSE };
/* DNS query types (RFC 1035, 3596, 2782, 9460) a policy is likely to name */
static const char *const qtype_names[] = { "A",	   "NS",  "CNAME", "SOA",   "PTR", "MX",
					   "TXT",  "AAAA", "SRV",  "HTTPS", "ANY", NULL };
static const int qtype_vals[] = { 1, 2, 5, 6, 12, 15, 16, 28, 33, 65, 255 };

const char *const *value__net_const_names(enum arg_type t)
{
	return t == ARG_TCP_EVENT ? tcp_event_names : t == ARG_DNS_QTYPE ? qtype_names : NULL;
}

int value__net_const(enum arg_type t, const char *s, int64_t *out)
{
	const char *const *names = value__net_const_names(t);
	const int *vals = t == ARG_TCP_EVENT ? tcp_event_vals : qtype_vals;

	for (int i = 0; names && names[i]; i++)
		if (!strcmp(names[i], s)) {
			*out = vals[i];
			return 0;
		}
	return -ENOENT;
}

int value__parse_int(const char *s, enum arg_type t, int64_t *out, const char **why)
{
	uint64_t mag;
	bool neg, sign;
	int bits, err;

	if (value__net_const_names(t) && isalpha((unsigned char)*s)) {
		if (!value__net_const(t, s, out))
			return 0;
		FAIL(t == ARG_TCP_EVENT ? "expected CONNECT, ACCEPT, LISTEN or CLOSE"
					: "expected a DNS query type (A, AAAA, CNAME, ...) or a number");
	}
	err = parse_mag(s, &neg, &mag, why);
	if (err)
		return err;
	int_shape(t, &bits, &sign);
	if (neg && mag == 0) {
		*out = 0; /* "-0" is 0 for every type */
		return 0;
	}
	if (bits == 0) {
		if (neg && mag > (uint64_t)INT64_MAX + 1)
			FAIL_RANGE("below the 64-bit minimum");
		*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	}
	if (sign) {
		uint64_t max = bits == 64 ? (uint64_t)INT64_MAX : (1ull << (bits - 1)) - 1;

		if (!neg && mag > max) {
			switch (bits) {
			case 8: FAIL_RANGE("out of range for a signed 8-bit integer");
			case 16: FAIL_RANGE("out of range for a signed 16-bit integer");
			case 32: FAIL_RANGE("out of range for a signed 32-bit integer");
			default: FAIL_RANGE("out of range for a signed 64-bit integer");
			}
		}
		if (neg && mag > max + 1) {
			switch (bits) {
			case 8: FAIL_RANGE("out of range for a signed 8-bit integer");
			case 16: FAIL_RANGE("out of range for a signed 16-bit integer");
			case 32: FAIL_RANGE("out of range for a signed 32-bit integer");
			default: FAIL_RANGE("out of range for a signed 64-bit integer");
			}
		}
		*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	}
	if (neg)
		FAIL_RANGE("negative value for an unsigned type");
	if (bits < 64 && mag > (1ull << bits) - 1) {
		switch (bits) {
		case 8: FAIL_RANGE("out of range for an unsigned 8-bit integer");
		case 16: FAIL_RANGE("out of range for an unsigned 16-bit integer");
		default: FAIL_RANGE("out of range for an unsigned 32-bit integer");
		}
	}
	*out = (int64_t)mag; /* u64 values keep their bits */
	return 0;
}

int value__parse_u64(const char *s, uint64_t *out, const char **why)
{
	uint64_t mag;
	bool neg;
	int err;

	err = parse_mag(s, &neg, &mag, why);
	if (err)
		return err;
	if (neg && mag)
		FAIL_RANGE("negative value where an unsigned number is expected");
	*out = mag;
	return 0;
}

/* Decimal only, no sign, bounded: prefix lengths and ports. */
static int parse_dec(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!len || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int value__parse_cidr(const char *s, struct value_cidr *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t alen;
	unsigned long prefix;
	int max;

	if (!s || !*s)
		FAIL("empty address");
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (!alen)
		FAIL("missing address before '/'");
	if (alen >= sizeof(buf))
		FAIL("not an IP address");
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else {
		FAIL("not an IPv4 or IPv6 address");
	}
	if (!slash) {
		out->prefix = max;
		return 0;
	}
	switch (parse_dec(slash + 1, strlen(slash + 1), (unsigned long)max, &prefix)) {
	case 0:
		break;
	case -ERANGE:
		if (max == 32)
			FAIL_RANGE("prefix length above 32 for an IPv4 address");
		FAIL_RANGE("prefix length above 128 for an IPv6 address");
	default:
		FAIL("prefix length is not a decimal number");
	}
	out->prefix = (int)prefix;
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out, const char **why)
{
	unsigned long v;

	switch (parse_dec(s, len, 65535, &v)) {
	case 0:
		*out = (uint16_t)v;
		return 0;
	case -ERANGE:
		FAIL_RANGE("port above 65535");
	default:
		FAIL("port is not a decimal number");
	}
}

int value__parse_port_range(const char *s, uint16_t *lo, uint16_t *hi, const char **why)
{
	const char *colon;
	int err;

	if (!s || !*s)
		FAIL("empty port");
	colon = strchr(s, ':');
	if (!colon) {
		err = parse_port(s, strlen(s), lo, why);
		if (!err)
			*hi = *lo;
		return err;
	}
	err = parse_port(s, (size_t)(colon - s), lo, why);
	if (!err)
		err = parse_port(colon + 1, strlen(colon + 1), hi, why);
	if (err)
		return err;
	if (*lo > *hi)
		FAIL_RANGE("range start is above its end");
	return 0;
}

int value__parse_int_range(const char *s, enum arg_type t, int64_t *lo, int64_t *hi,
			   const char **why)
{
	char buf[72];
	const char *colon;
	size_t n;
	int bits, err;
	bool sign;

	if (!s || !*s)
		FAIL("empty range");
	/* skip a leading sign so "-5:-1" splits at the right ':' */
	colon = strchr(s + 1, ':');
	if (!colon) {
		err = value__parse_int(s, t, lo, why);
		if (!err)
			*hi = *lo;
		return err;
	}
	n = (size_t)(colon - s);
	if (n >= sizeof(buf))
		FAIL("not an integer");
	memcpy(buf, s, n);
	buf[n] = '\0';
	err = value__parse_int(buf, t, lo, why);
	if (!err)
		err = value__parse_int(colon + 1, t, hi, why);
	if (err)
		return err;
	int_shape(t, &bits, &sign);
	if (sign || bits == 0 ? *lo > *hi : (uint64_t)*lo > (uint64_t)*hi)
		FAIL_RANGE("range start is above its end");
	return 0;
}

int value__parse_duration_ms(const char *s, uint64_t *out, const char **why)
{
	uint64_t mult = 1000, v = 0;
	size_t len;

	if (!s || !*s)
		FAIL("empty duration");
	len = strlen(s);
	/* Tetragon: N, Ns, Nm, Nh; a bare number is seconds */
	switch (s[len - 1]) {
	case 's':
	case 'S':
		len--;
		break;
	case 'm':
	case 'M':
		mult = 60 * 1000;
		len--;
		break;
	case 'h':
	case 'H':
		mult = 3600 * 1000;
		len--;
		break;
	default:
		break;
	}
	if (!len)
		FAIL("duration has no number (use e.g. '10s', '1m', '2h')");
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			FAIL("not a duration (use e.g. '10s', '1m', '2h')");
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			FAIL_RANGE("duration too large");
	}
	if (!v)
		FAIL_RANGE("a zero duration disables nothing; remove rateLimit instead");
	/* the kernel side keeps milliseconds in a u32 */
	if (v * mult > UINT32_MAX)
		FAIL_RANGE("duration above 49 days");
	*out = v * mult;
	return 0;
}

struct named {
	const char *name;
	int v;
};

static int lookup_named(const char *s, const struct named *t, size_t n, const char *pfx, int max,
			int *out, const char **why, const char *what)
{
	uint64_t u;
	size_t pl = strlen(pfx);

	if (!s || !*s)
		FAIL("empty value");
	if (isdigit((unsigned char)*s)) {
		if (value__parse_u64(s, &u, why))
			return -EINVAL;
		if (u > (uint64_t)max)
			FAIL_RANGE(what);
		*out = (int)u;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(s, t[i].name) ||
		    (!strncasecmp(t[i].name, pfx, pl) && !strcasecmp(s, t[i].name + pl))) {
			*out = t[i].v;
			return 0;
		}
	}
	FAIL(what);
}

#define N(t) (sizeof(t) / sizeof((t)[0]))

static const struct named families[] = {
	{ "AF_UNSPEC", 0 },    { "AF_UNIX", 1 },      { "AF_LOCAL", 1 },  { "AF_INET", 2 },
	{ "AF_AX25", 3 },      { "AF_IPX", 4 },	      { "AF_APPLETALK", 5 }, { "AF_NETROM", 6 },
	{ "AF_BRIDGE", 7 },    { "AF_ATMPVC", 8 },    { "AF_X25", 9 },	  { "AF_INET6", 10 },
	{ "AF_ROSE", 11 },     { "AF_DECnet", 12 },   { "AF_NETBEUI", 13 }, { "AF_SECURITY", 14 },
	{ "AF_KEY", 15 },      { "AF_NETLINK", 16 },  { "AF_ROUTE", 16 }, { "AF_PACKET", 17 },
	{ "AF_ASH", 18 },      { "AF_ECONET", 19 },   { "AF_ATMSVC", 20 }, { "AF_RDS", 21 },
	{ "AF_SNA", 22 },      { "AF_IRDA", 23 },     { "AF_PPPOX", 24 }, { "AF_WANPIPE", 25 },
	{ "AF_LLC", 26 },      { "AF_IB", 27 },	      { "AF_MPLS", 28 },  { "AF_CAN", 29 },
	{ "AF_TIPC", 30 },     { "AF_BLUETOOTH", 31 }, { "AF_IUCV", 32 }, { "AF_RXRPC", 33 },
	{ "AF_ISDN", 34 },     { "AF_PHONET", 35 },   { "AF_IEEE802154", 36 }, { "AF_CAIF", 37 },
	{ "AF_ALG", 38 },      { "AF_NFC", 39 },      { "AF_VSOCK", 40 }, { "AF_KCM", 41 },
	{ "AF_QIPCRTR", 42 },  { "AF_SMC", 43 },      { "AF_XDP", 44 },	  { "AF_MCTP", 45 },
};

static const struct named protocols[] = {
	{ "IPPROTO_IP", 0 },	  { "IPPROTO_ICMP", 1 },    { "IPPROTO_IGMP", 2 },
	{ "IPPROTO_IPIP", 4 },	  { "IPPROTO_TCP", 6 },	    { "IPPROTO_EGP", 8 },
	{ "IPPROTO_PUP", 12 },	  { "IPPROTO_UDP", 17 },    { "IPPROTO_IDP", 22 },
	{ "IPPROTO_TP", 29 },	  { "IPPROTO_DCCP", 33 },   { "IPPROTO_IPV6", 41 },
	{ "IPPROTO_RSVP", 46 },	  { "IPPROTO_GRE", 47 },    { "IPPROTO_ESP", 50 },
	{ "IPPROTO_AH", 51 },	  { "IPPROTO_ICMPV6", 58 }, { "IPPROTO_MTP", 92 },
	{ "IPPROTO_BEETPH", 94 }, { "IPPROTO_ENCAP", 98 },  { "IPPROTO_PIM", 103 },
	{ "IPPROTO_COMP", 108 },  { "IPPROTO_L2TP", 115 },  { "IPPROTO_SCTP", 132 },
	{ "IPPROTO_UDPLITE", 136 }, { "IPPROTO_MPLS", 137 }, { "IPPROTO_ETHERNET", 143 },
	{ "IPPROTO_RAW", 255 },	  { "IPPROTO_MPTCP", 262 },
};

static const struct named tcp_states[] = {
	{ "TCP_ESTABLISHED", 1 }, { "TCP_SYN_SENT", 2 },   { "TCP_SYN_RECV", 3 },
	{ "TCP_FIN_WAIT1", 4 },	  { "TCP_FIN_WAIT2", 5 },  { "TCP_TIME_WAIT", 6 },
	{ "TCP_CLOSE", 7 },	  { "TCP_CLOSE_WAIT", 8 }, { "TCP_LAST_ACK", 9 },
	{ "TCP_LISTEN", 10 },	  { "TCP_CLOSING", 11 },   { "TCP_NEW_SYN_RECV", 12 },
	{ "TCP_BOUND_INACTIVE", 13 },
};

int value__parse_family(const char *s, int *out, const char **why)
{
	return lookup_named(s, families, N(families), "AF_", 63, out, why,
			    "not an address family (AF_INET, AF_INET6, AF_UNIX, ... or 0-63)");
}

int value__parse_protocol(const char *s, int *out, const char **why)
{
	return lookup_named(s, protocols, N(protocols), "IPPROTO_", 65535, out, why,
			    "not an IP protocol (IPPROTO_TCP, IPPROTO_UDP, ... or 0-65535)");
}

int value__parse_tcp_state(const char *s, int *out, const char **why)
{
	return lookup_named(s, tcp_states, N(tcp_states), "TCP_", 255, out, why,
			    "not a TCP state (TCP_ESTABLISHED, TCP_LISTEN, ... or 0-255)");
}

int value__parse_file_type(const char *s, unsigned *out, const char **why)
{
	static const struct {
		const char *name;
		unsigned mode;
	} types[] = {
		{ "reg", S_IFREG }, { "dir", S_IFDIR },	  { "lnk", S_IFLNK },  { "chr", S_IFCHR },
		{ "blk", S_IFBLK }, { "fifo", S_IFIFO },  { "pipe", S_IFIFO }, { "sock", S_IFSOCK },
	};

	if (!s || !*s)
		FAIL("empty file type");
	for (size_t i = 0; i < N(types); i++) {
		if (!strcasecmp(s, types[i].name)) {
			*out = types[i].mode;
			return 0;
		}
	}
	FAIL("not a file type (reg, dir, lnk, chr, blk, fifo, pipe, sock)");
}

const char *const *value__file_type_names(void)
{
	static const char *const names[] = { "reg", "dir", "lnk", "chr",
					     "blk", "fifo", "pipe", "sock", NULL };
	return names;
}
