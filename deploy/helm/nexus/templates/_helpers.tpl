{{/* Name of every object of the release: <release>-nexus, or <release> when it already says nexus. */}}
{{- define "nexus.fullname" -}}
{{- if eq .Release.Name "nexus" -}}
nexus
{{- else -}}
{{ printf "%s-nexus" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods: used by the Deployment, Service, PDB and NetworkPolicy. */}}
{{- define "nexus.selectorLabels" -}}
app.kubernetes.io/name: nexus
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nexus.labels" -}}
{{ include "nexus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret the pods read: yours (existingSecret) or the chart's. */}}
{{- define "nexus.secretName" -}}
{{- if .Values.existingSecret -}}
{{ .Values.existingSecret }}
{{- else -}}
{{ include "nexus.fullname" . }}
{{- end -}}
{{- end -}}

{{- define "nexus.image" -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}
