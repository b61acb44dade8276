{{/*
Names and labels shared by every object of the chart, and the loader
settings: tpc.settings is the one table from which both the settings
ConfigMap (values) and the DaemonSet's args (flags) are rendered.
*/}}

{{- define "tpc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tpc.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "tpc.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "tpc.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "tpc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tpc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tpc.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "tpc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tpc
{{- end }}

{{- define "tpc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tpc.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tpc.policiesConfigMap" -}}
{{- default (printf "%s-policies" (include "tpc.fullname" .)) .Values.policies.configMap.name }}
{{- end }}

{{- define "tpc.signatureSecret" -}}
{{- default (printf "%s-signing" (include "tpc.fullname" .)) .Values.signature.existingSecret }}
{{- end }}

{{- define "tpc.signatureMountPath" -}}/etc/tpc/signing{{- end }}

{{/*
tpc.settings: environment variable -> {flag, value} for every loader flag
that takes a value and is set by the values. Rendered as YAML; read back
with fromYaml.
*/}}
{{- define "tpc.settings" -}}
{{- $v := .Values }}
{{- $s := dict }}
{{- $_ := set $s "TPC_OUTPUT" (dict "flag" "output" "value" $v.loader.output) }}
{{- $_ = set $s "TPC_POLL_MS" (dict "flag" "poll-ms" "value" (toString $v.loader.pollMs)) }}
{{- $_ = set $s "TPC_RING_KB" (dict "flag" "ring-kb" "value" (toString $v.loader.ringKb)) }}
{{- $_ = set $s "TPC_BASE_RING_KB" (dict "flag" "base-ring-kb" "value" (toString $v.loader.baseRingKb)) }}
{{- with $v.loader.disableFeatures }}
{{- $_ = set $s "TPC_DISABLE_FEATURE" (dict "flag" "disable-feature" "value" (join "," .)) }}
{{- end }}
{{- with $v.loader.pinPath }}
{{- $_ = set $s "TPC_PIN" (dict "flag" "pin" "value" .) }}
{{- end }}
{{- with $v.loader.cgroupPath }}
{{- $_ = set $s "TPC_CGROUP" (dict "flag" "cgroup" "value" .) }}
{{- end }}
{{- with $v.loader.cgroupRoot }}
{{- $_ = set $s "TPC_CGROUP_ROOT" (dict "flag" "cgroup-root" "value" .) }}
{{- end }}
{{- if $v.kubernetes.enabled }}
{{- with $v.kubernetes.apiServer }}
{{- $_ = set $s "TPC_K8S_API" (dict "flag" "k8s-api" "value" .) }}
{{- end }}
{{- with $v.kubernetes.caFile }}
{{- $_ = set $s "TPC_K8S_CA" (dict "flag" "k8s-ca" "value" .) }}
{{- end }}
{{- with $v.kubernetes.tokenFile }}
{{- $_ = set $s "TPC_K8S_TOKEN_FILE" (dict "flag" "k8s-token-file" "value" .) }}
{{- end }}
{{- end }}
{{- if ne $v.policies.source "none" }}
{{- $dir := $v.policies.mountPath }}
{{- if and (eq $v.policies.source "image") (eq $v.policies.image.mode "volume") }}
{{- /* an image volume is the image's whole file system */}}
{{- $dir = clean (printf "%s/%s" $dir $v.policies.image.path) }}
{{- end }}
{{- $_ = set $s "TPC_POLICY_DIR" (dict "flag" "policy-dir" "value" $dir) }}
{{- end }}
{{- if $v.signature.enabled }}
{{- $key := printf "%s/%s" (include "tpc.signatureMountPath" .) $v.signature.secretKey }}
{{- $_ = set $s "TPC_REQUIRE_SIGNATURE" (dict "flag" "require-signature" "value" $key) }}
{{- end }}
{{- if $v.export.enabled }}
{{- $file := printf "%s/%s" $v.export.hostPath $v.export.fileName }}
{{- $_ = set $s "TPC_EXPORT_FILE" (dict "flag" "export-file" "value" $file) }}
{{- $_ = set $s "TPC_EXPORT_MAX_MB" (dict "flag" "export-max-mb" "value" (toString $v.export.maxSizeMB)) }}
{{- $_ = set $s "TPC_EXPORT_BACKUPS" (dict "flag" "export-backups" "value" (toString $v.export.backups)) }}
{{- end }}
{{- with $v.export.allowList.eventTypes }}
{{- $_ = set $s "TPC_ALLOW_EVENT" (dict "flag" "allow-event" "value" (join "," .)) }}
{{- end }}
{{- with $v.export.allowList.policies }}
{{- $_ = set $s "TPC_ALLOW_POLICY" (dict "flag" "allow-policy" "value" (join "," .)) }}
{{- end }}
{{- with $v.export.denyList.eventTypes }}
{{- $_ = set $s "TPC_DENY_EVENT" (dict "flag" "deny-event" "value" (join "," .)) }}
{{- end }}
{{- with $v.export.denyList.policies }}
{{- $_ = set $s "TPC_DENY_POLICY" (dict "flag" "deny-policy" "value" (join "," .)) }}
{{- end }}
{{- if $v.metrics.enabled }}
{{- $_ = set $s "TPC_METRICS_ADDR" (dict "flag" "metrics-addr" "value" (printf "0.0.0.0:%d" (int $v.metrics.port))) }}
{{- end }}
{{- toYaml $s }}
{{- end }}

{{/* tpc-controller: its name, pod labels (a name of its own, so the
DaemonSet's selector never matches its pods) and the object ConfigMaps */}}
{{- define "tpc.controllerName" -}}
{{- printf "%s-controller" (include "tpc.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{- define "tpc.controllerSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-controller" (include "tpc.name" . | trunc 52 | trimSuffix "-") }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- /* the controller's Service: not matched by the loader's selector */ -}}
{{- define "tpc.controllerLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "tpc.controllerSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tpc
app.kubernetes.io/component: controller
{{- end }}

{{- define "tpc.objectsPrefix" -}}
{{- default (printf "%s-objects" (include "tpc.fullname" . | trunc 50 | trimSuffix "-")) .Values.controller.configMapPrefix }}
{{- end }}

{{- define "tpc.controllerSigningSecret" -}}
{{- .Values.controller.signing.existingSecret }}
{{- end }}
