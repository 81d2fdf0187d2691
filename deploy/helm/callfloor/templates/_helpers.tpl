{{/* The release's name for every object: <release>-callfloor, or the release name if it says callfloor. */}}
{{- define "callfloor.fullname" -}}
{{- if contains "callfloor" .Release.Name -}}
{{- .Release.Name | trunc 53 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-callfloor" .Release.Name | trunc 53 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "callfloor.labels" -}}
app.kubernetes.io/name: callfloor
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The selector of one role's pods: dict "root" $ "role" ROLE. */}}
{{- define "callfloor.selector" -}}
app.kubernetes.io/name: callfloor
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "callfloor.secretName" -}}
{{- default (include "callfloor.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/*
The pod of one role: dict "root" $ "role" "acd"|"web"|"history" "values" .Values.<role>.
Non-root (65532, the image's user), read-only root file system, no capabilities; migrate first;
/healthz for liveness, /readyz for readiness.
*/}}
{{- define "callfloor.pod" -}}
metadata:
  labels:
    {{- include "callfloor.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
  annotations:
    checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
    checksum/secret: {{ include (print .root.Template.BasePath "/secret.yaml") .root | sha256sum }}
    {{- with .root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- with .root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 30
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    fsGroup: 65532
    seccompProfile:
      type: RuntimeDefault
  initContainers:
    - name: migrate
      image: {{ include "callfloor.image" .root }}
      imagePullPolicy: {{ .root.Values.image.pullPolicy }}
      args: ["migrate", "-config", "/etc/callfloor/callfloor.yaml"]
      envFrom:
        - secretRef:
            name: {{ include "callfloor.secretName" .root }}
      securityContext:
        {{- include "callfloor.containerSecurity" . | nindent 8 }}
      volumeMounts:
        - {name: config, mountPath: /etc/callfloor, readOnly: true}
  containers:
    - name: callfloor
      image: {{ include "callfloor.image" .root }}
      imagePullPolicy: {{ .root.Values.image.pullPolicy }}
      args: ["serve", "-config", "/etc/callfloor/callfloor.yaml", "-roles", {{ .role | quote }}]
      envFrom:
        - secretRef:
            name: {{ include "callfloor.secretName" .root }}
      env:
        - {name: CALLFLOOR_DATA_DIR, value: /var/lib/callfloor}
      ports:
        - {name: http, containerPort: 8080, protocol: TCP}
      livenessProbe:
        httpGet: {path: /healthz, port: http}
        initialDelaySeconds: 10
        periodSeconds: 10
        failureThreshold: 3
      readinessProbe:
        httpGet: {path: /readyz, port: http}
        periodSeconds: 5
        failureThreshold: 2
      resources:
        {{- toYaml .values.resources | nindent 8 }}
      securityContext:
        {{- include "callfloor.containerSecurity" . | nindent 8 }}
      volumeMounts:
        - {name: config, mountPath: /etc/callfloor, readOnly: true}
        - {name: data, mountPath: /var/lib/callfloor}
        - {name: tmp, mountPath: /tmp}
  volumes:
    - name: config
      configMap:
        name: {{ include "callfloor.fullname" .root }}
    - name: tmp
      emptyDir: {}
    {{- if not (and (eq .role "acd") .values.persistence.enabled) }}
    - name: data
      emptyDir: {}
    {{- end }}
  {{- with .root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .root.Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{- define "callfloor.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) | quote }}
{{- end -}}

{{- define "callfloor.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end -}}
