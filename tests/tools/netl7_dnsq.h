/* netl7_dnsq.h - the DNS query builder shared by the netl7 test tools:
 * a header (RD set, QDCOUNT 1) and one question (dotted name, qtype, class
 * IN) into m, which must hold 12 + strlen(name) + 6 bytes. Returns the
 * message length. Labels longer than 63 are written as given (tests use
 * that to build malformed names on purpose). */
#ifndef NETL7_DNSQ_H
#define NETL7_DNSQ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t netl7_dns_query(uint8_t *m, unsigned id, const char *name, unsigned qtype)
{
	size_t o = 12;

	memset(m, 0, 12);
	m[0] = id >> 8, m[1] = id & 0xff;
	m[2] = 0x01; /* RD */
	m[5] = 1;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		m[o++] = l;
		memcpy(m + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	m[o++] = 0;
	m[o++] = qtype >> 8, m[o++] = qtype & 0xff;
	m[o++] = 0, m[o++] = 1;
	return o;
}

#endif
