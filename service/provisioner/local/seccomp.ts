/**
 * The seccomp filter every sandbox runs under (handed to bubblewrap's `--seccomp`): a classic
 * BPF program that lets everything through except the system calls a function never needs
 * and the kernel's most attacked interfaces — tracing other processes, BPF, perf, keyrings,
 * io_uring, userfaultfd, mounting and namespaces, modules, kexec, handles to arbitrary
 * inodes. They fail with EPERM (libuv and Node fall back where they probe, e.g. io_uring).
 *
 * A function does not accept connections (`listen`): with `network: true` it would listen on
 * the host's own addresses, where it could serve the world from this machine or take the port
 * of a service of the host while that restarts (the API's, and its callers' keys with it).
 *
 * Unix sockets by address are closed too: `socket(AF_UNIX, …)` and datagram socket pairs
 * (whose `sendto` and `connect` take an address). A sandbox with `network: true` shares the
 * host's network namespace, and with it the abstract socket namespace, which no file mode or
 * mount hides: every host service listening on an abstract name (`@/containerd-shim/…`,
 * `@/tmp/.X11-unix/X0`) would be one `connect` away. Stream socket pairs, which Node makes for
 * a child process's pipes, stay open: they are born connected and cannot be pointed elsewhere.
 * Any architecture but x86-64 — including the x32 ABI on it — kills the process, so the
 * numbers below cannot be bypassed through another syscall table.
 */

/** x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
const DENIED_X86_64: Record<string, number> = {
  listen: 50,
  ptrace: 101,
  syslog: 103,
  personality: 135,
  pivot_root: 155,
  acct: 163,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  init_module: 175,
  delete_module: 176,
  quotactl: 179,
  lookup_dcookie: 212,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  fanotify_init: 300,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
};

export const DENIED_SYSCALLS = Object.keys(DENIED_X86_64);

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const BPF_ALU_AND_K = 0x54;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO_EPERM = 0x00050000 | 1;
const RET_ALLOW = 0x7fff0000;
/** Offsets in struct seccomp_data. */
const NR = 0;
const ARCH = 4;
/** The low word of the first and second arguments (little endian). */
const ARG0 = 16;
const ARG1 = 24;

const SYS_SOCKET = 41;
const SYS_SOCKETPAIR = 53;
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** The socket type without SOCK_NONBLOCK and SOCK_CLOEXEC. */
const SOCK_TYPE_MASK = 0xf;

/**
 * Why sandboxes cannot get the filter on `arch`, or null. Without it a sandbox with network
 * could reach the host's abstract sockets and listen on its addresses: the provider does not
 * run (fail closed) rather than run without it.
 */
export function seccompProblem(arch = process.arch): string | null {
  return seccompProgram(arch)
    ? null
    : `the sandbox's seccomp filter is written for x86-64's system calls, and this machine is ${arch}: sandboxes would run without it (open to the host's abstract sockets, able to listen on its addresses)`;
}

/** The filter for this machine, or null where none is written (not x86-64). */
export function seccompProgram(arch = process.arch): Buffer | null {
  if (arch !== 'x64') return null;
  const numbers = Object.values(DENIED_X86_64);
  const insns: Array<[number, number, number, number]> = [
    [BPF_LD_W_ABS, 0, 0, ARCH],
    [BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64],
    [BPF_RET_K, 0, 0, RET_KILL_PROCESS],
    [BPF_LD_W_ABS, 0, 0, NR],
    [BPF_JGE_K, 0, 1, X32_SYSCALL_BIT],
    [BPF_RET_K, 0, 0, RET_KILL_PROCESS],
  ];
  // One comparison per denied number: on a match skip to the EPERM return at the end, past
  // the eight instructions that follow them.
  numbers.forEach((nr, i) => insns.push([BPF_JEQ_K, numbers.length - i - 1 + 8, 0, nr]));
  insns.push(
    // socket(AF_UNIX, …): EPERM
    [BPF_JEQ_K, 0, 2, SYS_SOCKET],
    [BPF_LD_W_ABS, 0, 0, ARG0],
    [BPF_JEQ_K, 5, 4, AF_UNIX],
    // socketpair(…, SOCK_DGRAM, …): EPERM (only AF_UNIX makes pairs)
    [BPF_JEQ_K, 0, 3, SYS_SOCKETPAIR],
    [BPF_LD_W_ABS, 0, 0, ARG1],
    [BPF_ALU_AND_K, 0, 0, SOCK_TYPE_MASK],
    [BPF_JEQ_K, 1, 0, SOCK_DGRAM],
    [BPF_RET_K, 0, 0, RET_ALLOW],
    [BPF_RET_K, 0, 0, RET_ERRNO_EPERM],
  );
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
