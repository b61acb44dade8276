/* Two fake "kernels" for kernel_targets.sh: built with -DKA it has
 * only_in_a, without it not; BTF from clang -target bpf -g. */
struct file { int f_flags; };
struct pt_regs { long di; };
#ifdef KA
int only_in_a(int x) { return x; }
#endif
int shared_fn(struct file *f) { return f->f_flags; }
long __x64_sys_read(const struct pt_regs *r) { return r->di; }
