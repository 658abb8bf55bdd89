# syntax=docker/dockerfile:1
# guardrails as a container image:
#   docker build -t guardrails .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" guardrails scan --format markdown
# With no arguments the image runs `guardrails scan` on /work (the mounted source tree).

FROM rust:1-bookworm AS builder
WORKDIR /src
# Manifests first: the dependency build is cached until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src target/release/guardrails target/release/deps/guardrails-* target/release/deps/libguardrails-* target/release/.fingerprint/guardrails-*
COPY src ./src
RUN cargo build --release --locked && ./target/release/guardrails --version

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="guardrails" \
      org.opencontainers.image.description="Security gate for AWS serverless delivery pipelines: SAM/CloudFormation and Lambda source scanning" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/serverless-guardrails/guardrails" \
      org.opencontainers.image.url="https://github.com/serverless-guardrails/guardrails"
COPY --from=builder /src/target/release/guardrails /usr/local/bin/guardrails
ENV PATH=/usr/local/bin:/usr/bin:/bin
# distroless "nonroot": uid/gid 65532, no shell.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["guardrails"]
CMD ["scan"]
