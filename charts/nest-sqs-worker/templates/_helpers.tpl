{{/* Chart name, overridable. */}}
{{- define "nest-sqs-worker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: the release name, suffixed with the chart name unless it already holds it. */}}
{{- define "nest-sqs-worker.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nest-sqs-worker.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that never change for a release: used in selectors, so never add to them. */}}
{{- define "nest-sqs-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nest-sqs-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nest-sqs-worker.labels" -}}
helm.sh/chart: {{ include "nest-sqs-worker.chart" . }}
{{ include "nest-sqs-worker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: worker
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "nest-sqs-worker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nest-sqs-worker.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: the user's, or the chart-made one. */}}
{{- define "nest-sqs-worker.secretName" -}}
{{- default (include "nest-sqs-worker.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Image reference: a digest pins it; the tag defaults to the chart's appVersion, never "latest". */}}
{{- define "nest-sqs-worker.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* One value sets both the app's drain time and the kubelet's patience: they cannot drift apart. */}}
{{- define "nest-sqs-worker.terminationGracePeriodSeconds" -}}
{{- add .Values.shutdown.preStopSleepSeconds .Values.shutdown.graceSeconds .Values.shutdown.marginSeconds }}
{{- end }}

{{/* Rules between values that JSON schema cannot express; the app enforces the same at boot. */}}
{{- define "nest-sqs-worker.validate" -}}
{{- $sqs := .Values.sqs }}
{{- if lt (int $sqs.receiveRequestTimeoutMs) (int (add (mul $sqs.waitTimeSeconds 1000) 5000)) }}
{{- fail (printf "sqs.receiveRequestTimeoutMs (%v) must be at least sqs.waitTimeSeconds*1000 + 5000 (%v): a long poll lasts waitTimeSeconds" $sqs.receiveRequestTimeoutMs (add (mul $sqs.waitTimeSeconds 1000) 5000)) }}
{{- end }}
{{- if ge (int $sqs.heartbeatIntervalSeconds) (int $sqs.visibilityTimeout) }}
{{- fail (printf "sqs.heartbeatIntervalSeconds (%v) must be below sqs.visibilityTimeout (%v)" $sqs.heartbeatIntervalSeconds $sqs.visibilityTimeout) }}
{{- end }}
{{- if lt (int $sqs.maxVisibilitySeconds) (int $sqs.visibilityTimeout) }}
{{- fail (printf "sqs.maxVisibilitySeconds (%v) must be at least sqs.visibilityTimeout (%v)" $sqs.maxVisibilitySeconds $sqs.visibilityTimeout) }}
{{- end }}
{{- if lt (int $sqs.backoffMaxSeconds) (int $sqs.backoffBaseSeconds) }}
{{- fail (printf "sqs.backoffMaxSeconds (%v) must be at least sqs.backoffBaseSeconds (%v)" $sqs.backoffMaxSeconds $sqs.backoffBaseSeconds) }}
{{- end }}
{{- if and (eq .Values.autoscaling.mode "hpa") (gt (int .Values.autoscaling.hpa.minReplicas) (int .Values.autoscaling.hpa.maxReplicas)) }}
{{- fail "autoscaling.hpa.minReplicas must not exceed autoscaling.hpa.maxReplicas" }}
{{- end }}
{{- if and (eq .Values.autoscaling.mode "keda") (gt (int .Values.autoscaling.keda.minReplicaCount) (int .Values.autoscaling.keda.maxReplicaCount)) }}
{{- fail "autoscaling.keda.minReplicaCount must not exceed autoscaling.keda.maxReplicaCount" }}
{{- end }}
{{- /* Without a role of its own, KEDA would assume the worker's, which may receive, delete and send. */}}
{{- if and (eq .Values.autoscaling.mode "keda") (eq .Values.autoscaling.keda.auth "podIdentity") (not .Values.autoscaling.keda.roleArn) }}
{{- fail "autoscaling.keda.roleArn is required when autoscaling.keda.auth is podIdentity: KEDA gets a role of its own (sqs:GetQueueAttributes only), never the worker's" }}
{{- end }}
{{- /* The chart's security settings: an extraEnv entry would silently win over them. */}}
{{- range .Values.extraEnv }}
{{- if has .name (list "APP_ENV" "AWS_EC2_METADATA_DISABLED" "KEYCLOAK_URL") }}
{{- fail (printf "extraEnv must not set %s: use the chart value (appEnv, aws.instanceMetadata, keycloak.url), which the schema checks" .name) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Address blocks of networkPolicy.egressCidrs. The whole-internet blocks carve out the instance
metadata service (IPv4 and EKS's IPv6 address) unless aws.instanceMetadata opts back into it.
*/}}
{{- define "nest-sqs-worker.egressPeers" -}}
{{- range .Values.networkPolicy.egressCidrs }}
- ipBlock:
    cidr: {{ . }}
    {{- if and (eq . "0.0.0.0/0") (not $.Values.aws.instanceMetadata) }}
    except: ["169.254.169.254/32"]
    {{- else if and (eq . "::/0") (not $.Values.aws.instanceMetadata) }}
    except: ["fd00:ec2::254/128"]
    {{- end }}
{{- end }}
{{- end }}

{{/* Port of keycloak.url: the one written in it, else 443 (https is required). */}}
{{- define "nest-sqs-worker.keycloakPort" -}}
{{- $port := regexFind ":[0-9]+$" (urlParse .Values.keycloak.url).host | trimPrefix ":" }}
{{- default "443" $port }}
{{- end }}

{{/*
HPA scaling behavior, shared by the HPA and KEDA's HPA: scale-up adds the larger of a fixed
number of pods and a percentage of the current ones per period (a ramp: 1, 3, 6, 12 ... with the
defaults), after a short window that lets a new pod report a pause before more join it;
scale-down waits out its window, then removes a percentage per period.
*/}}
{{- define "nest-sqs-worker.hpaBehavior" -}}
{{- $b := .Values.autoscaling.behavior -}}
scaleUp:
  stabilizationWindowSeconds: {{ $b.scaleUp.stabilizationWindowSeconds }}
  selectPolicy: Max
  policies:
    - type: Pods
      value: {{ $b.scaleUp.pods }}
      periodSeconds: {{ $b.scaleUp.periodSeconds }}
    - type: Percent
      value: {{ $b.scaleUp.percent }}
      periodSeconds: {{ $b.scaleUp.periodSeconds }}
scaleDown:
  stabilizationWindowSeconds: {{ $b.scaleDown.stabilizationWindowSeconds }}
  selectPolicy: Max
  policies:
    - type: Percent
      value: {{ $b.scaleDown.percent }}
      periodSeconds: {{ $b.scaleDown.periodSeconds }}
{{- end }}

{{/*
PromQL label matchers of this release's pods: the operator's, or the namespace and job the
chart's ServiceMonitor gives them (the alert rules use the same).
*/}}
{{- define "nest-sqs-worker.pauseSelector" -}}
{{- .Values.autoscaling.keda.pause.selector | default (printf "namespace=%q, job=%q" .Release.Namespace (include "nest-sqs-worker.fullname" .)) -}}
{{- end }}

{{/*
The scalingModifiers formula over the triggers queue, paused and pods. Not paused: the queue
length, as without the formula. Paused: the queue length, but never more than the pods already
running can hold at the target, so the HPA keeps (or lowers) the count and never adds pods that
would only wait. With no pod reporting (scaled to zero) nothing is paused, and the queue wakes
one pod, which checks its dependencies before its first receive.
*/}}
{{- define "nest-sqs-worker.pauseFormula" -}}
{{- printf "paused > 0 ? min(queue, pods * %d) : queue" (int .Values.autoscaling.keda.queueLength) -}}
{{- end }}

{{/*
The pods of this release as a label selector string (kubernetes-workload's podSelector).
*/}}
{{- define "nest-sqs-worker.podSelectorString" -}}
{{- $labels := include "nest-sqs-worker.selectorLabels" . | fromYaml -}}
{{- $pairs := list -}}
{{- range $k := keys $labels | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (get $labels $k)) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end }}
