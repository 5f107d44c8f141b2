{{/*
OpenTelemetry resource attributes, only when otel.endpoint is set: the pod's own names from the
downward API, then OTEL_RESOURCE_ATTRIBUTES built from them ($(VAR) expands variables defined
above it in the same list), the release's namespace and version, and otel.resourceAttributes.
*/}}
{{- define "nest-sqs-worker.otelEnv" -}}
{{- if .Values.otel.endpoint -}}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: K8S_NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
{{- $attrs := list (printf "service.namespace=%s" .Release.Namespace) (printf "service.version=%s" (.Values.image.tag | default .Chart.AppVersion)) "k8s.namespace.name=$(K8S_NAMESPACE_NAME)" "k8s.pod.name=$(K8S_POD_NAME)" "k8s.node.name=$(K8S_NODE_NAME)" }}
{{- range $key, $value := .Values.otel.resourceAttributes }}
{{- $attrs = append $attrs (printf "%s=%v" $key $value) }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attrs | quote }}
{{- end -}}
{{- end -}}
