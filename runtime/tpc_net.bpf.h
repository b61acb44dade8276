/* tpc_net.bpf.h - socket ownership and the TCP lifecycle for tpcNetwork
 * hooks (the tpc extension of the policy spec; docs/policy-reference.md).
 *
 * Contract:
 *  - Generated objects with network hooks include this after
 *    tpc_proc.bpf.h. It owns two maps per object: tpc_net_socks (socket
 *    cookie -> owner and establish time) and tpc_net_listeners (netns inode
 *    + local port -> owner of the listening socket).
 *  - Ownership: many network hooks run in softirq context or on behalf of
 *    another task (the SYN-ACK that completes a connect, a FIN, every
 *    cgroup_skb packet), where `current` is not the socket's process. The
 *    owner (tgid, tid, uid, gid, cgroup, comm, process start time, binary
 *    bits, workload-scope bits) is therefore recorded from process
 *    context - cgroup/sock_create at socket(), cgroup/connect4/6 at
 *    connect(), the LISTEN and SYN_SENT transitions of
 *    inet_sock_set_state (both run in the syscall) - keyed by the socket
 *    cookie, and read back everywhere else. An accepted
 *    socket is created by the kernel from the listener: it is attributed
 *    to the process that called listen() on that port in that netns.
 *  - tpc_net__owner_of_cookie() / tpc_net__owner_of_skb() are the getters
 *    for the DNS and HTTP parsers (cgroup_skb programs; tpc_dns.bpf.h and
 *    tpc_http.bpf.h).
 *  - A network prog body is `tpc_pN(ctx, v, nc)`; each entry macro
 *    TPC_<PROTO>_ENTRY_<ATTACH>(ctx, body, v) fills a struct tpc_net_ctx
 *    from its hook and calls the body. The body reads the hook's fixed
 *    arguments through tpc_<proto>__arg_int/_sa/_str(nc, index, ...) and
 *    writes the record's tpc_ev_net + protocol body with
 *    tpc_<proto>__put(s, o, nc); tpc_<proto>__pre_event(nc) names the
 *    event whose Block/Sigkill ran in the PRE phase.
 */
#ifndef TPC_NET_BPF_H
#define TPC_NET_BPF_H

/* The cookie of a kernel socket, as bpf_get_socket_cookie() gives it to the
 * cgroup programs that recorded its owner. Tracing programs may call that
 * helper only since 5.12 (5.10: "unknown func"); there the field itself,
 * which the cgroup program's call has set. */
#ifndef TPC_NO_BPF_LOOP
#define tpc_sk_cookie(sk) bpf_get_socket_cookie(sk)
#else
#define tpc_sk_cookie(sk) ((u64)BPF_CORE_READ((struct sock *)(sk), __sk_common.skc_cookie.counter))
#endif

/* Workload scope of the owner: bit i is "the owner was in scope map i"
 * (tpc_scope__in), evaluated in process context when the owner is
 * recorded. Generated code whose object has scope maps defines
 * tpc_net__scope_bits() (and TPC_NET_HAVE_SCOPE) before including this;
 * without scope maps the owner's scope is 0 and never read. */
#ifndef TPC_NET_HAVE_SCOPE
TPC_INLINE u64 tpc_net__scope_bits(void)
{
	return 0;
}
#endif

#ifndef TPC_NET_SOCKS
#define TPC_NET_SOCKS 65536
#endif

/* Phases of a network event: PRE runs in the process that asked for the
 * operation before it happens (connect() in cgroup/connect4/6 and at
 * SYN_SENT): only Block and Sigkill act there. EVENT is the operation
 * having happened: Post acts there. */
#define TPC_NET_PH_PRE 1
#define TPC_NET_PH_EVENT 2

struct tpc_net_owner {
	u32 tgid;
	u32 tid;
	u32 uid;
	u32 gid;
	u64 cgroup_id;
	u64 start_ns; /* the process's start (boot clock): with tgid, its identity */
	u64 bits; /* binary-set bits at recording (matchBinaries) */
	u64 pbits; /* the parent's (matchParentBinaries) */
	u64 scope; /* workload-scope bits at recording (tpc_net__scope_bits) */
	char comm[16];
};

struct tpc_net_sock {
	struct tpc_net_owner own;
	struct tpc_ev_sockaddr sa[2]; /* the tuple when established: CLOSE has lost the local port */
	u64 est_ns; /* ESTABLISHED or LISTEN time; 0 before */
	u32 flags; /* TPC_NET_F_* */
	u32 bits_ok; /* own.bits/pbits/scope were resolved (sock_create cannot) */
};

struct tpc_net_listen_key {
	u32 netns;
	u32 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TPC_NET_SOCKS);
	__type(key, u64);
	__type(value, struct tpc_net_sock);
} tpc_net_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tpc_net_listen_key);
	__type(value, struct tpc_net_owner);
} tpc_net_listeners SEC(".maps");

/* What a network prog body sees. */
struct tpc_net_ctx {
	u16 proto; /* enum tpc_net_proto */
	u16 event; /* TPC_TCP_* / TPC_DNS_* / TPC_HTTP_* */
	u16 phase; /* TPC_NET_PH_* */
	u16 pad;
	u32 flags; /* TPC_NET_F_* */
	u32 pad2;
	u64 cookie;
	struct tpc_ev_sockaddr sa[2]; /* [0] remote, [1] local (as tpc_sa__from_sock) */
	struct tpc_net_owner own;
	struct tpc_ev_tcp tcp;
};

/* The owner fields of the current task (process context only). */
TPC_INLINE void tpc_net__owner_current(struct tpc_scratch *s, struct tpc_net_owner *o,
				       bool with_bits)
{
	bool with_scope = with_bits; /* resolved together (bits_ok) */
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u64 uid_gid = bpf_get_current_uid_gid();
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	o->tgid = pid_tgid >> 32;
	o->tid = (u32)pid_tgid;
	o->uid = (u32)uid_gid;
	o->gid = uid_gid >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
#ifdef TPC_NET_NO_BITS
	with_bits = false; /* the object has no binary sets */
#endif
	o->bits = with_bits && s ? tpc_proc__bits(s) : 0;
	o->pbits = with_bits && s ? tpc_proc__parent_bits(s) : 0;
	o->scope = with_scope && s ? tpc_net__scope_bits() : 0;
}

/* Record the current task as the owner of socket `cookie` unless one is
 * already recorded (the socket's creator stays its owner); a record made
 * without binary bits (or scope bits) gets them when its owner is current
 * again. */
TPC_INLINE void tpc_net__record(struct tpc_scratch *s, u64 cookie, bool with_bits)
{
	struct tpc_net_sock v = {}, *e;

	if (!cookie)
		return;
	e = bpf_map_lookup_elem(&tpc_net_socks, &cookie);
	if (e) {
		if (with_bits && s && !e->bits_ok &&
		    e->own.tgid == (u32)(bpf_get_current_pid_tgid() >> 32)) {
			e->own.bits = tpc_proc__bits(s);
			e->own.pbits = tpc_proc__parent_bits(s);
			e->own.scope = tpc_net__scope_bits();
			e->bits_ok = 1;
		}
		return;
	}
	tpc_net__owner_current(s, &v.own, with_bits);
	v.bits_ok = with_bits && s;
	bpf_map_update_elem(&tpc_net_socks, &cookie, &v, BPF_NOEXIST);
}

/* Getters for hooks outside process context. */
TPC_INLINE struct tpc_net_sock *tpc_net__owner_of_cookie(u64 cookie)
{
	return bpf_map_lookup_elem(&tpc_net_socks, &cookie);
}

TPC_INLINE struct tpc_net_sock *tpc_net__owner_of_skb(struct __sk_buff *skb)
{
	return tpc_net__owner_of_cookie(bpf_get_socket_cookie(skb));
}

/* Header for a TPC_EV_NET record: the owner's identity, not current's. */
TPC_INLINE void tpc_net__hdr_fill(struct tpc_ev_hdr *h, u32 rule, const struct tpc_net_ctx *nc)
{
	h->kind = TPC_EV_NET;
	h->size = sizeof(*h);
	h->rule = rule;
	h->ktime = bpf_ktime_get_boot_ns();
	h->pid = nc->own.tgid;
	h->tid = nc->own.tid;
	h->uid = nc->own.uid;
	h->gid = nc->own.gid;
	h->cgroup_id = nc->own.cgroup_id;
	h->action = 0;
	h->ret = 0;
	__builtin_memcpy(h->comm, nc->own.comm, sizeof(h->comm));
}

/* tpc_ev_net from the context. */
TPC_INLINE u32 tpc_net__put(struct tpc_scratch *s, u32 o, const struct tpc_net_ctx *nc)
{
	struct tpc_ev_net *n = (void *)&s->ev[o & TPC_EV_MASK];

	n->proto = nc->proto;
	n->event = nc->event;
	n->flags = nc->flags;
	n->cookie = nc->cookie;
	__builtin_memcpy(&n->dst, &nc->sa[0], sizeof(n->dst));
	__builtin_memcpy(&n->src, &nc->sa[1], sizeof(n->src));
	return o + sizeof(*n);
}

/* ---- cgroup/sock_create: the owner of every new socket ------------- */

TPC_INLINE int tpc_net__on_sock_create(struct bpf_sock *ctx)
{
	/* IP sockets only: unix and netlink sockets are never network events */
	if (ctx->family != 2 /* AF_INET */ && ctx->family != 10 /* AF_INET6 */)
		return 1;
	/* process context: the creator, with its binary bits */
	tpc_net__record(tpc_scratch__get(), bpf_get_socket_cookie(ctx), true);
	return 1;
}

/* ---- TCP ------------------------------------------------------------ */

#define TPC_TCP_ESTABLISHED 1
#define TPC_TCP_SYN_SENT 2
#define TPC_TCP_SYN_RECV 3
#define TPC_TCP_CLOSE_ST 7
#define TPC_TCP_LISTEN_ST 10
#define TPC_IPPROTO_TCP 6

/* The event whose PRE phase ran Block/Sigkill already: at its EVENT phase
 * a matching Block/Sigkill rule posts nothing (it was posted then). */
TPC_INLINE bool tpc_tcp__pre_event(const struct tpc_net_ctx *nc)
{
	return nc->event == TPC_TCP_CONNECT;
}

TPC_INLINE int tpc_tcp__arg_int(const struct tpc_net_ctx *nc, int idx)
{
	return nc->event;
}

TPC_INLINE struct tpc_ev_sockaddr *tpc_tcp__arg_sa(struct tpc_net_ctx *nc, int idx)
{
	return nc->sa;
}

TPC_INLINE u32 tpc_tcp__put(struct tpc_scratch *s, u32 o, const struct tpc_net_ctx *nc)
{
	o = tpc_net__put(s, o, nc);
	__builtin_memcpy(&s->ev[o & TPC_EV_MASK], &nc->tcp, sizeof(nc->tcp));
	return o + sizeof(nc->tcp);
}

/* Payload bytes: bytes_acked counts the SYN (active side) and the FIN,
 * bytes_received the peer's FIN; bytes_sent counts payload only but
 * retransmits twice, so the unique payload is bytes_sent - bytes_retrans
 * (what the peer acknowledged once the socket closes cleanly). */
TPC_INLINE void tpc_tcp__counters(struct tpc_net_ctx *nc, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	u64 rcv = BPF_CORE_READ(tp, bytes_received);
	u8 shut = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_shutdown);

	/* RCV_SHUTDOWN (1): the peer's FIN arrived, and took one sequence number */
	if ((shut & 1) && rcv)
		rcv--;
	nc->tcp.bytes_sent = BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
	nc->tcp.bytes_received = rcv;
	nc->tcp.segs_out = BPF_CORE_READ(tp, segs_out);
	nc->tcp.segs_in = BPF_CORE_READ(tp, segs_in);
	nc->tcp.data_segs_out = BPF_CORE_READ(tp, data_segs_out);
	nc->tcp.data_segs_in = BPF_CORE_READ(tp, data_segs_in);
	nc->tcp.retrans = BPF_CORE_READ(tp, total_retrans);
}

TPC_INLINE void tpc_net__use_owner(struct tpc_net_ctx *nc, const struct tpc_net_sock *e)
{
	if (e) {
		nc->own = e->own;
		nc->flags |= e->flags;
	} else {
		/* not recorded (socket older than the object): best effort */
		tpc_net__owner_current(NULL, &nc->own, false);
		nc->flags |= TPC_NET_F_OWNER_UNKNOWN;
	}
}

/* tp_btf/inet_sock_set_state(sk, oldstate, newstate): decide the event,
 * keep the maps. Returns false when no rule needs to run. */
TPC_INLINE bool tpc_tcp__from_state(struct tpc_scratch *s, u64 *ctx, struct tpc_net_ctx *nc)
{
	struct sock *sk = (struct sock *)ctx[0];
	int old = (int)ctx[1], state = (int)ctx[2];
	struct tpc_net_sock *e;
	struct tpc_net_listen_key lk;
	u64 now = bpf_ktime_get_boot_ns();

	/* about half of a connection's transitions (FIN_WAIT*, CLOSE_WAIT,
	 * LAST_ACK, ...) make no event: leave before reading anything */
	if (state != TPC_TCP_SYN_SENT && state != TPC_TCP_LISTEN_ST && state != TPC_TCP_CLOSE_ST &&
	    !(state == TPC_TCP_ESTABLISHED && (old == TPC_TCP_SYN_SENT || old == TPC_TCP_SYN_RECV)))
		return false;
	if (!s || BPF_CORE_READ(sk, sk_protocol) != TPC_IPPROTO_TCP)
		return false;
	nc->cookie = tpc_sk_cookie(sk);
	/* inside connect() and listen(): current is the owner (one call
	 * site: the binary-set evaluation is inlined where it is called) */
	if (state == TPC_TCP_SYN_SENT || state == TPC_TCP_LISTEN_ST)
		tpc_net__record(s, nc->cookie, true);
#ifndef TPC_NET_PRE_KILL
	/* no rule kills at connect(): SYN_SENT only records the owner */
	if (state == TPC_TCP_SYN_SENT)
		return false;
#endif
	nc->proto = TPC_NET_TCP;
	nc->event = 0;
	nc->phase = TPC_NET_PH_EVENT;
	nc->flags = 0;
	__builtin_memset(&nc->tcp, 0, sizeof(nc->tcp));
	tpc_sa__from_sock(nc->sa, sk);
	lk.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	lk.port = nc->sa[1].port;
	if (state == TPC_TCP_SYN_SENT) {
		nc->event = TPC_TCP_CONNECT;
		nc->phase = TPC_NET_PH_PRE;
		tpc_net__use_owner(nc, tpc_net__owner_of_cookie(nc->cookie));
		return true;
	}
	if (state == TPC_TCP_LISTEN_ST) {
		e = tpc_net__owner_of_cookie(nc->cookie);
		if (e) {
			e->est_ns = now;
			__builtin_memcpy(e->sa, nc->sa, sizeof(e->sa));
			bpf_map_update_elem(&tpc_net_listeners, &lk, &e->own, BPF_ANY);
		}
		nc->event = TPC_TCP_LISTEN;
		tpc_net__use_owner(nc, e);
		return true;
	}
	if (state == TPC_TCP_ESTABLISHED && old == TPC_TCP_SYN_SENT) {
		e = tpc_net__owner_of_cookie(nc->cookie);
		if (e) {
			e->est_ns = now;
			__builtin_memcpy(e->sa, nc->sa, sizeof(e->sa));
		}
		nc->event = TPC_TCP_CONNECT;
		tpc_net__use_owner(nc, e);
		tpc_tcp__counters(nc, sk);
		return true;
	}
	if (state == TPC_TCP_ESTABLISHED && old == TPC_TCP_SYN_RECV) {
		/* the kernel made this socket from the listener: its owner */
		struct tpc_net_owner *lo = bpf_map_lookup_elem(&tpc_net_listeners, &lk);
		struct tpc_net_sock v = {};

		v.est_ns = now;
		__builtin_memcpy(v.sa, nc->sa, sizeof(v.sa));
		v.flags = TPC_NET_F_OWNER_LISTENER;
		if (lo)
			v.own = *lo;
		else
			v.flags |= TPC_NET_F_OWNER_UNKNOWN;
		bpf_map_update_elem(&tpc_net_socks, &nc->cookie, &v, BPF_ANY);
		nc->event = TPC_TCP_ACCEPT;
		nc->own = v.own;
		nc->flags = v.flags;
		tpc_tcp__counters(nc, sk);
		return true;
	}
	if (state == TPC_TCP_CLOSE_ST) {
		e = tpc_net__owner_of_cookie(nc->cookie);
		if (!e || !e->est_ns) {
			/* a connect that never completed: forget it, no event */
			bpf_map_delete_elem(&tpc_net_socks, &nc->cookie);
			return false;
		}
		nc->event = TPC_TCP_CLOSE;
		nc->tcp.duration_ns = now - e->est_ns;
		__builtin_memcpy(nc->sa, e->sa, sizeof(nc->sa));
		/* the listener key needs the port the socket listened on */
		lk.port = e->sa[1].port;
		tpc_net__use_owner(nc, e);
		tpc_tcp__counters(nc, sk);
		bpf_map_delete_elem(&tpc_net_socks, &nc->cookie);
		if (old == TPC_TCP_LISTEN_ST)
			bpf_map_delete_elem(&tpc_net_listeners, &lk);
		return true;
	}
	return false;
}

/* cgroup/connect4/6: connect() of a TCP socket, before anything is sent. */
TPC_INLINE bool tpc_tcp__from_connect(struct tpc_scratch *s, struct bpf_sock_addr *ctx,
				      struct tpc_net_ctx *nc, bool v6)
{
	if (!s || ctx->protocol != TPC_IPPROTO_TCP)
		return false;
	__builtin_memset(nc, 0, sizeof(*nc));
	nc->proto = TPC_NET_TCP;
	nc->event = TPC_TCP_CONNECT;
	nc->phase = TPC_NET_PH_PRE;
	nc->cookie = bpf_get_socket_cookie(ctx);
	if (v6)
		tpc_sa__from_connect6(&nc->sa[0], ctx);
	else
		tpc_sa__from_connect4(&nc->sa[0], ctx);
	nc->sa[1].family = nc->sa[0].family;
	nc->sa[1].protocol = nc->sa[0].protocol;
	/* inside connect(): current is the owner */
	tpc_net__owner_current(s, &nc->own, true);
	return true;
}

/* The TCP entries' tpc_net_ctx, per CPU: on the stack (about 200 bytes)
 * the state program's frame took the call chain into the binary-set walk
 * (tpc_proc__bits_slow, tpc_path__step) past the verifier's 512-byte
 * combined stack on 5.10 and 6.1, which round every frame up to 32 bytes
 * (448 + 64 + 32 = 544; 6.12 rounds a JITed frame to 16: 512, at the
 * limit). Slot 0 is the state program's, slot 1 the connect hooks': a
 * state change in softirq that interrupts a connect() hook on the same CPU
 * does not overwrite its context. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, struct tpc_net_ctx);
} tpc_tcp_ctx_map SEC(".maps");

TPC_INLINE struct tpc_net_ctx *tpc_tcp__ctx(u32 slot)
{
	return bpf_map_lookup_elem(&tpc_tcp_ctx_map, &slot);
}

/* Entry points (expressions: the program's return value); `body` is the
 * generated tpc_pN. A cgroup connect hook returns 1 to allow, 0 to deny. */
#define TPC_TCP_ENTRY_TP_BTF(ctx, body, v)                      \
	({                                                      \
		struct tpc_scratch *_s = tpc_scratch__get();    \
		struct tpc_net_ctx *_nc = tpc_tcp__ctx(0);      \
                                                                \
		if (_nc && tpc_tcp__from_state(_s, (ctx), _nc)) \
			body((ctx), (v), _nc);                  \
		0;                                              \
	})

#define TPC_TCP_ENTRY_CONNECT(ctx, body, v, v6)                         \
	({                                                              \
		struct tpc_scratch *_s = tpc_scratch__get();            \
		struct tpc_net_ctx *_nc = tpc_tcp__ctx(1);              \
                                                                        \
		!_nc || !tpc_tcp__from_connect(_s, (ctx), _nc, (v6)) || \
			!body((ctx), (v), _nc);                         \
	})
#define TPC_TCP_ENTRY_CONNECT4(ctx, body, v) TPC_TCP_ENTRY_CONNECT(ctx, body, v, false)
#define TPC_TCP_ENTRY_CONNECT6(ctx, body, v) TPC_TCP_ENTRY_CONNECT(ctx, body, v, true)

#endif
