# syntax=docker/dockerfile:1
# OneLogin Helpdesk: a static binary on distroless, as a non-root user.
#   docker build -t onelogin-helpdesk .
#   docker run --rm -p 8080:8080 -v helpdesk-data:/data --env-file helpdesk.env onelogin-helpdesk
#   docker run --rm -p 8080:8080 -e HELPDESK_AUDIT_DB= onelogin-helpdesk -demo   # fake tenant, temporary trail

# The exact Go go.mod requires: the official image does not download a newer
# toolchain, so a looser tag could build with an older one.
FROM golang:1.26.8 AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The generated templ files are committed, so no generate step is needed.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/helpdesk . \
	&& mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/helpdesk /helpdesk
# The audit trail lives on a volume the non-root user can write.
COPY --from=build --chown=65532:65532 /out/data /data
ENV HELPDESK_ADDR=0.0.0.0:8080 \
	HELPDESK_AUDIT_DB=/data/helpdesk-audit.db
EXPOSE 8080
VOLUME ["/data"]
USER nonroot:nonroot
# distroless has no shell or curl: the binary probes its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
	CMD ["/helpdesk", "-healthcheck"]
ENTRYPOINT ["/helpdesk"]
