# The TracingPolicy and TracingPolicyNamespaced CRDs (cilium.io/v1alpha1) as
# tpc reads them: `jq -n -f deploy/crds/crd.jq` prints both as a JSON array;
# scripts/gen-manifests.sh writes them as YAML to deploy/crds/ and to the
# chart's crds/. The schema follows compiler/yaml_policy.c (the keys tpc
# accepts at each place) and docs/policy-reference.md (what each means);
# tests/deploy/check.sh walks every stdlib policy and example through it.
#
# Value sets (operators, actions, types) are not enums here: tpc takes
# Tetragon's aliases and any case (`eq`, `sigkill`), and `tpc validate`
# reports a bad name with a suggestion, which an API server enum could not.
# Scalars that Tetragon types as strings but that YAML users write as
# numbers (`values: [0]`, `argError: -1`) are int-or-string, because tpc
# accepts both.

def d($t): if $t == "" then {} else {description: $t} end;
def str($t): {type: "string"} + d($t);
def int($t): {type: "integer"} + d($t);
def bool($t): {type: "boolean"} + d($t);
def ios($t): {"x-kubernetes-int-or-string": true} + d($t);
def arr($items; $t): {type: "array", items: $items} + d($t);
def strs($t): arr({type: "string"}; $t);
def obj($props; $t): {type: "object", properties: $props} + d($t);
def req($keys): . + {required: $keys};
def tpc($t): "tpc extension: " + $t;

def label_selector($t):
  obj({
    matchLabels: ({type: "object", additionalProperties: {type: "string"}}
      + d("label key -> value; all must match")),
    matchExpressions: arr(
      obj({
        key: str("label key; k8s:io.kubernetes.pod.namespace selects the namespace"),
        operator: str("In, NotIn, Exists or DoesNotExist"),
        values: strs("values for In and NotIn")
      }; "a label requirement") | req(["key", "operator"]);
      "label requirements, ANDed")
  }; $t) + {nullable: true};

def arg($t):
  obj({
    index: int("position in the prototype (kprobes, uprobes, LSM hooks: 0 to 4), tracepoint field index counting the common_* fields, or raw tracepoint argument (0 to 5)"),
    type: str("argument type (auto, int, uint64, string, filename, file, path, fd, sock, sockaddr, ...; see docs/policy-reference.md); default auto"),
    label: str("names the argument in events and in match: as args.<label>"),
    sizeArgIndex: int("char_buf/char_iovec: 1-based index of the size argument"),
    returnCopy: bool("read the buffer at return (not supported by tpc yet)"),
    maxData: ({"x-kubernetes-preserve-unknown-fields": true}
      + d("char_buf: capture large buffers; true/false as in Tetragon, or (tpc extension) a byte count. Not supported by tpc yet")),
    resolve: str("dotted BTF member path (checked, not compiled by tpc yet)"),
    source: str("data entries: current_task or pt_regs"),
    btfType: str("BTF struct to cast the argument to (not supported by tpc yet)"),
    btfTypeModule: str("kernel module holding btfType (not supported by tpc yet)")
  }; $t);

def match_arg($t):
  obj({
    index: int("the args entry whose index is this (Tetragon's rule)"),
    args: arr({type: "integer"}; "positions in the args list; takes precedence over index"),
    operator: str("Equal, NotEqual, Prefix, Postfix, GT, LT, Mask, InMap, InRange, SAddr, DAddr, SPort, DPort, Protocol, Family, State, FileType, ... (and their Not forms)"),
    values: arr(ios(""); "values, ORed (negated operators AND them)")
  }; $t) | req(["operator"]);

def match_binaries($t):
  obj({
    operator: str("In, NotIn, Prefix, NotPrefix, Postfix, NotPostfix"),
    values: strs("canonical absolute paths (or prefixes/suffixes)"),
    followChildren: bool("also match descendants (In/NotIn only; not supported by tpc yet)")
  }; $t) | req(["operator", "values"]);

def match_caps($t):
  obj({
    type: str("Effective (default), Inheritable or Permitted"),
    operator: str("In or NotIn"),
    isNamespaceCapability: bool("capabilities relative to the user namespace (not supported by tpc yet)"),
    values: strs("capability names: CAP_SYS_ADMIN or SYS_ADMIN")
  }; $t) | req(["operator", "values"]);

def action:
  obj({
    action: str("Post, NoPost, Sigkill, Signal, Override; tpc refuses the others with the reason (docs/policy-reference.md)"),
    argError: ios("Override: errno name (EPERM) or number"),
    argSig: ios("Signal: signal name (SIGKILL, KILL) or number 1 to 64"),
    argFd: int("FollowFD family (removed from Tetragon; refused)"),
    argName: int("FollowFD family (removed from Tetragon; refused)"),
    argUrl: str("GetUrl (not supported by tpc)"),
    argFqdn: str("DnsLookup (not supported by tpc)"),
    argSock: int("TrackSock/UntrackSock (not supported by tpc)"),
    argIndex: int("Set (not supported by tpc)"),
    argValue: int("Set (not supported by tpc)"),
    rateLimit: ios("Post: N, Ns, Nm or Nh; a bare number is seconds"),
    rateLimitScope: str("thread, process or global"),
    kernelStackTrace: bool("Post: kernel stack trace (not supported by tpc yet)"),
    userStackTrace: bool("Post: user stack trace (not supported by tpc yet)"),
    imaHash: bool("Post: IMA hash (not supported by tpc yet)"),
    argRegs: strs("uprobe register overrides (not supported by tpc)"),
    argNewSymbol: str("uprobe override (not supported by tpc)"),
    argNewAddr: int("uprobe override (not supported by tpc)"),
    argNewOffset: int("uprobe override (not supported by tpc)")
  }; "an action") | req(["action"]);

def selector($t):
  obj({
    label: str("selector name for statistics"),
    matchPIDs: arr(obj({
      operator: str("In or NotIn"),
      values: arr(ios(""); "process ids"),
      isNamespacePID: bool("pids of the process's pid namespace (not supported by tpc yet)"),
      followForks: bool("also children (not supported by tpc yet)")
    }; "a pid filter") | req(["operator", "values"]); "pid filters"),
    matchArgs: arr(match_arg("an argument filter"); "argument filters, ANDed"),
    matchData: arr(match_arg("a data filter"); "filters on data entries (not supported by tpc yet)"),
    matchReturnArgs: arr(match_arg("a return value filter"); "filters on returnArg (return probes)"),
    matchBinaries: arr(match_binaries("a binary filter"); "the process's executable"),
    matchParentBinaries: arr(match_binaries("a parent binary filter"); "the parent process's executable"),
    matchNamespaces: arr(obj({
      namespace: str("Uts, Ipc, Mnt, Pid, PidForChildren, Net, Time, TimeForChildren, Cgroup or User"),
      operator: str("In or NotIn"),
      values: arr(ios(""); "namespace inode numbers or host_ns")
    }; "a namespace filter") | req(["namespace", "operator", "values"]); "namespace filters"),
    matchNamespaceChanges: arr(obj({
      operator: str("In or NotIn"),
      values: strs("namespace names")
    }; "a namespace change filter") | req(["operator", "values"]); "not supported by tpc yet"),
    matchCapabilities: arr(match_caps("a capability filter"); "capability filters"),
    matchCapabilityChanges: arr(match_caps("a capability change filter"); "not supported by tpc yet"),
    matchActions: arr(action; "actions when the selector matches (none: Post)"),
    matchReturnActions: arr(action; "actions on the return probe (not supported by tpc yet)"),
    matchWorkloads: obj({
      podSelector: label_selector("pods"),
      containerSelector: label_selector("containers (name)"),
      hostSelector: label_selector("host processes: null or {}")
    }; "workload scoping of this selector"),
    macros: strs("names from spec.selectorsMacros whose fields are copied into this selector"),
    match: str(tpc("a selector DSL expression (docs/dsl.md), ANDed with the other filters of the selector, e.g. `args.sk.dport in [22, 2222] && !(args.sk.daddr in [10.0.0.0/8])`"))
  }; $t);

def hook_common:
  {
    message: str("event message, 2 to 256 characters"),
    tags: (strs("event tags, at most 16, each 2 to 128 characters") + {maxItems: 16}),
    args: arr(arg("an argument to read"); "arguments read and reported (at most 5 with data)"),
    selectors: arr(selector("a selector"); "selectors, ORed; the first match runs its actions")
  };

def kprobe($what):
  obj(hook_common + {
    call: str("function, syscall (sys_openat) or list:NAME"),
    syscall: (bool("call is a syscall (default true, as in Tetragon's CRD)") + {default: true}),
    return: bool("also hook the return and report returnArg"),
    data: arr(arg("a data entry"); "values read through resolve (not supported by tpc yet)"),
    returnArg: arg("the return value"),
    returnArgAction: str("TrackSock or UntrackSock (not supported by tpc yet)"),
    ignore: obj({callNotFound: bool("a missing function is a warning and the hook is skipped")}; "")
  }; $what) | req(["call"]);

def spec:
  obj({
    kprobes: arr(kprobe("a kprobe"); "kernel function hooks"),
    fentries: arr(kprobe("an fentry"); "kernel function hooks through BPF trampolines"),
    tracepoints: arr(obj(hook_common + {
      subsystem: str("tracepoint subsystem (syscalls)"),
      event: str("tracepoint event (sys_enter_openat)"),
      raw: bool("raw tracepoint: arguments are TP_PROTO positions")
    }; "a tracepoint") | req(["subsystem", "event"]); "tracepoint hooks"),
    uprobes: arr(obj(hook_common + {
      path: str("absolute path of the binary on the node"),
      btfPath: str("BTF of the binary"),
      symbols: strs("function symbols"),
      offsets: arr({type: "integer"}; "offsets (not supported by tpc yet)"),
      addrs: arr({type: "integer"}; "addresses (not supported by tpc yet)"),
      refCtrOffsets: arr({type: "integer"}; "semaphore offsets, one per target (not supported by tpc yet)"),
      binaryDigests: strs("sha256:<hex> etc. (not verified by tpc-loader yet)"),
      data: arr(arg("a data entry"); "not supported by tpc yet"),
      return: bool("also hook the return"),
      returnArg: arg("the return value"),
      ignore: obj({
        callNotFound: bool("skip a missing symbol"),
        digestVerificationFailure: bool("load despite a digest mismatch")
      }; "")
    }; "a uprobe") | req(["path"]); "user-space function hooks"),
    lsmhooks: arr(obj(hook_common + {
      hook: str("LSM hook without security_ (file_open)")
    }; "an LSM hook") | req(["hook"]); "BPF LSM hooks"),
    usdts: arr(obj(hook_common + {
      path: str("binary"), btfPath: str("BTF of the binary"),
      provider: str("USDT provider"), name: str("USDT name")
    }; "a USDT probe") | req(["path", "provider", "name"]); "not supported by tpc yet"),
    lists: arr(obj({
      name: str("referenced as list:NAME"),
      type: str("syscalls, generated_syscalls or generated_ftrace"),
      values: strs("entries"),
      pattern: str("generated_ftrace: a regular expression"),
      validated: bool("entries already checked")
    }; "a named list") | req(["name"]); "named lists"),
    tpcNetwork: arr(obj({
      protocol: (str("tcp, dns or http") + {enum: ["tcp", "dns", "http"]}),
      events: strs("tcp: connect, accept, listen, close (default all four)"),
      ports: arr({type: "integer"}; "dns/http: server ports parsed (dns default 53, http default 80)"),
      selectors: arr(selector("a selector"); "selectors over the protocol's fixed arguments, ORed")
    }; "a network hook") | req(["protocol"]); tpc("network hooks (TCP lifecycle, DNS, HTTP); Tetragon has no such section")),
    enforcers: arr(obj({calls: strs("calls or list:NAME")}; "an enforcer") | req(["calls"]);
      "not supported by tpc"),
    options: arr(obj({name: str("policy-mode is the one tpc supports"), value: ios("enforce or monitor")};
      "an option") | req(["name"]); "policy options"),
    podSelector: label_selector("pods the policy applies to"),
    containerSelector: label_selector("containers the policy applies to (name)"),
    hostSelector: label_selector("host processes: null (none) or {} (all)"),
    nodeSelector: label_selector("nodes the policy applies to"),
    selectorsMacros: ({type: "object", additionalProperties: selector("a macro")}
      + d("named selector fragments used by selectors[].macros")),
    loader: bool("process_loader events (not supported by tpc)"),
    selectors: obj({
      matchBinary: strs("absolute paths of the binaries"),
      matchBinaries: strs("the same (use one of the two)")
    }; tpc("exec shorthand: with spec.action, a policy on exec of these binaries")),
    action: str(tpc("exec shorthand action: Block, Sigkill or Post"))
  }; "what to hook and what to do; see docs/policy-reference.md");

# Written by tpc-controller through the status subresource (docs/kubernetes.md).
def status:
  obj({
    observedGeneration: int("the metadata.generation the conditions describe"),
    conditions: arr(obj({
      type: str("Compiled"),
      status: str("True, False or Unknown"),
      reason: str("Compiled, Invalid (tpc's diagnostics), BuildFailed, TooLarge (over a ConfigMap's limit) or NoRoom (every object ConfigMap full)"),
      message: str("True: the object's sha256, size and ConfigMap; False: tpc's diagnostics as file:line:col against the object as `kubectl get -o yaml` shows it"),
      observedGeneration: int("the generation compiled"),
      lastTransitionTime: {type: "string", format: "date-time"}
    }; "a condition") | req(["type", "status"]); "tpc-controller's conditions")
  }; "written by tpc-controller");

def crd($kind; $plural; $singular; $short; $scope):
  {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "\($plural).cilium.io",
      labels: {"app.kubernetes.io/part-of": "tpc"}
    },
    spec: {
      group: "cilium.io",
      names: {kind: $kind, listKind: "\($kind)List", plural: $plural, singular: $singular,
              shortNames: [$short]},
      scope: $scope,
      versions: [{
        name: "v1alpha1", served: true, storage: true,
        subresources: {status: {}},
        additionalPrinterColumns: [
          {name: "STATUS", type: "string", description: "tpc-controller's Compiled condition",
           jsonPath: ".status.conditions[?(@.type==\"Compiled\")].reason"},
          {name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp"}
        ],
        schema: {openAPIV3Schema: obj({
          apiVersion: {type: "string"},
          kind: {type: "string"},
          metadata: {type: "object"},
          spec: spec,
          status: status
        }; "\($kind) as tpc reads it (tpc validate / tpc build). tpc-controller compiles these objects and publishes the results as ConfigMaps for tpc-loader, which never reads them itself; see docs/kubernetes.md") | req(["metadata", "spec"])}
      }]
    }
  };

[crd("TracingPolicy"; "tracingpolicies"; "tracingpolicy"; "tgtp"; "Cluster"),
 crd("TracingPolicyNamespaced"; "tracingpoliciesnamespaced"; "tracingpolicynamespaced"; "tgtpn"; "Namespaced")]
