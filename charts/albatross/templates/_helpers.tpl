{{/* Name of the chart, or nameOverride. */}}
{{- define "albatross.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: fullnameOverride, else <release>-<name> (the release alone when it contains the name). */}}
{{- define "albatross.fullname" -}}
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

{{/* Labels that select the controller's pods. */}}
{{- define "albatross.selectorLabels" -}}
app.kubernetes.io/name: {{ include "albatross.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "albatross.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "albatross.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The ServiceAccount the controller runs as. */}}
{{- define "albatross.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "albatross.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the IngressClassParams. */}}
{{- define "albatross.ingressClassParamsName" -}}
{{- default .Values.ingressClass .Values.ingressClassParams.name }}
{{- end }}

{{/* Name of the leader-election Lease: <fullname>-leader, or --leader-election-id=NAME of extraArgs. */}}
{{- define "albatross.leaseName" -}}
{{- $name := printf "%s-leader" (include "albatross.fullname" .) }}
{{- range .Values.extraArgs }}
{{- if hasPrefix "--leader-election-id=" . }}
{{- $name = trimPrefix "--leader-election-id=" . }}
{{- end }}
{{- end }}
{{- $name }}
{{- end }}

{{/* The watched namespaces of watchNamespace (comma separated), as a JSON list; [] for all namespaces. */}}
{{- define "albatross.watchNamespaces" -}}
{{- $names := list }}
{{- range splitList "," (default "" .Values.watchNamespace) }}
{{- $name := trim . }}
{{- if and $name (not (has $name $names)) }}
{{- $names = append $names $name }}
{{- end }}
{{- end }}
{{- toJson $names }}
{{- end }}
