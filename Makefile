# rekisteri — the two commands: `make run` and `make check`.
# Both run scripts/setup first (installs Debian packages when missing), then
# build with CMake. See README.md and docs/HACKING.md.
# `make bench [BENCH_ROWS=n]` times the register against bare SQLite (bench/README.md);
# `make bench-http [BENCH_ROWS=n]` loads the service beside nginx (bench/README.md).
# `BENCH_DB=postgres make bench|bench-http`: the register on a private PostgreSQL cluster, pgbench beside.
# `make bench-sweep [BENCH_ROWS=n]` times the consent-expiry sweep against bare SQLite.
# `make bench-scale [BENCH_SIZES="n ..."]` runs bench, bench-http and bench-sweep per size (bench/scale).
# `make bench-recipients [BENCH_ROWS=n]` times the Mailchimp sync beside the fake's ceiling.
# `make bench-console [BENCH_ROWS=n]` times the console's search, list, record and overview.
# `make bench-slowloris` measures slow clients against the service (bench/slowloris).
# `make bench-timing [BENCH_N=n]` times the public forms' answers per address class.
# `make deb` builds the Debian package into $(DEB_BUILD)/ (docs/deployment.md).

BUILD ?= build
ASAN_BUILD ?= build-asan
DECL ?= examples/smartum/declaration.yaml
# `make run CORRECTED=1`: the same company with every lint finding fixed (README, "Lint").
ifneq ($(CORRECTED),)
DECL := examples/smartum/corrected.yaml
endif
JOBS ?= 2
# The store-taking unit tests and the integration scripts run again on PostgreSQL
# (unit/pg/NAME, integration/pg/NAME; the sanitizer build runs the conformance suite and
# the erasures there); `make check RK_PG_TESTS=OFF` leaves that pass out.
RK_PG_TESTS ?= ON

.PHONY: run check setup build asan fuzz bench bench-http bench-audit bench-sweep bench-scale bench-recipients bench-console bench-slowloris bench-timing deb clean

# The service on the embedded SQLite default with the example declaration
# (scripts/run: var/ database and key, an admin account and token, emails into var/mail/).
# It builds quietly into $(BUILD)/build.log and shows the log only when the build fails.
run: setup
	@echo "building rekisteri in $(BUILD)/ (log: $(BUILD)/build.log) ..."
	@mkdir -p $(BUILD) && { cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo && \
		cmake --build $(BUILD) -j$(JOBS); } >$(BUILD)/build.log 2>&1 || \
		{ tail -n 40 $(BUILD)/build.log; echo "make run: the build failed; see $(BUILD)/build.log" >&2; exit 1; }
	@BUILD=$(BUILD) DECL=$(DECL) scripts/run

check: build asan
	cd $(ASAN_BUILD) && ctest --output-on-failure --no-label-summary -j$(JOBS) -L 'unit|fuzz'
	cd $(BUILD) && ctest --output-on-failure --no-label-summary -j$(JOBS)

setup:
	@scripts/setup

# The Debian package for one machine on SQLite (docs/deployment.md): a RelWithDebInfo
# build of its own in $(DEB_BUILD)/, then packaging/build-deb, which
# tests/integration/packaging.sh runs on the tested binary; the .deb lands in $(DEB_BUILD)/.
DEB_BUILD ?= build-deb
deb: setup
	@cmake -S . -B $(DEB_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(DEB_BUILD) -j$(JOBS) --target rekisteri
	@packaging/build-deb $(DEB_BUILD)/rekisteri $(DEB_BUILD)

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRK_PG_TESTS=$(RK_PG_TESTS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The unit tests and fuzz targets under ASan+UBSan, built with clang.
asan: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DRK_SANITIZE=ON -DRK_FUZZ=ON -DRK_PG_TESTS=$(RK_PG_TESTS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

# Fuzz the declaration parser until stopped: make fuzz [FUZZ_TIME=seconds]
FUZZ_TIME ?= 300
fuzz: asan
	$(ASAN_BUILD)/fuzz_decl -max_total_time=$(FUZZ_TIME) $(ASAN_BUILD)/corpus-decl fuzz/corpus/decl

# The benchmark: import, audience export and lookup against bare SQLite (bench/README.md).
bench: build
	@BUILD=$(BUILD) bench/run

# The service under wrk beside nginx serving a static file (bench/README.md); installs
# wrk and nginx-light when missing (bench/http/setup), which nothing else needs.
bench-http: build
	@bench/http/setup
	@BUILD=$(BUILD) bench/http/run

# The audit chain: verifying 1,000,000 events beside a bare SQLite scan (bench/audit).
bench-audit: build
	@BUILD=$(BUILD) bench/audit

# The consent-expiry sweep over 1,000,000 run-out consents beside bare SQLite (bench/sweep).
bench-sweep: build
	@BUILD=$(BUILD) bench/sweep

# How cost grows: bench/run, bench/http/run and bench/sweep at each size of BENCH_SIZES
# (default 100,000, 1,000,000 and 10,000,000 persons; the last takes hours), the figures
# appended to bench/scale/figures.tsv; bench/scale/plot draws them (gnuplot, bench/scale/setup).
bench-scale: build
	@bench/http/setup
	@BUILD=$(BUILD) bench/scale/run
	@bench/scale/plot

# Contacts synced per second to the fake Mailchimp on the batch path, beside its ceiling.
bench-recipients: build
	@BUILD=$(BUILD) bench/recipients/run

# The staff console's reads at 1,000,000 persons beside bare SQLite (issue 12: p95 <= 50 ms).
bench-console: build
	@BUILD=$(BUILD) bench/console

# Slow clients holding connections: /healthz from another address, with and without them.
bench-slowloris: build
	@BUILD=$(BUILD) bench/slowloris

# Enumeration by timing: POST /forms/newsletter and /requests per address class, side by
# side, against a fresh database (bench/timing; never part of make check).
bench-timing: build
	@BUILD=$(BUILD) bench/timing

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
