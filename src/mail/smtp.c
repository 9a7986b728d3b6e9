/*
 * smtp.c — hands one composed message to an SMTP relay with libcurl and
 * says what became of it: sent (250 to the end of data), transient (no
 * connection, a timeout, a 4xx reply: try again later) or permanent (a 5xx
 * reply). libcurl does the SMTP dot-stuffing of the upload itself (a line
 * starting with "." goes out as "..", and it ends the data with CRLF.CRLF),
 * so the message is given exactly as composed. Error texts are built here
 * from libcurl's static messages and the reply code, so they never carry an
 * address or any of the message.
 *
 * A file:///DIR URL delivers into a directory instead, each message a
 * complete .eml file (written aside, synced and renamed into place, so a
 * reader never sees half of one): for development and demonstrations
 * (`make run`), where no relay exists.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <stdatomic.h>
#include <time.h>

#include "mail/mail.h"
#include "worker/worker.h"

rk_err rk_smtp_global_init(void) { return rk_worker_curl_init(); }

/* Refuses a URL: e (may be NULL) says why; false. */
static bool url_refused(struct rk_error *e, const char *why) {
    return rk_error_set(e, RK_EINVAL, NULL, "%s", why) == RK_OK; /* never RK_OK */
}

bool rk_smtp_url_ok(const char *url, struct rk_error *e) {
    const char *host = NULL;
    if (url && strncmp(url, "file:///", 8) == 0) {
        struct stat st;
        if (stat(url + 7, &st) != 0 || !S_ISDIR(st.st_mode))
            return url_refused(e, "file:// names no existing directory");
        return true;
    }
    if (url && strncmp(url, "smtp://", 7) == 0)
        host = url + 7;
    else if (url && strncmp(url, "smtps://", 8) == 0)
        host = url + 8;
    if (!host)
        return url_refused(e, "expected smtp://HOST:PORT or smtps://HOST:PORT");
    size_t n = strcspn(host, ":/");
    if (n == 0)
        return url_refused(e, "the URL names no host; expected smtp://HOST:PORT");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '@')
            return url_refused(e, "the URL may hold no spaces, control characters or user "
                                  "(use --smtp-user)");
    if (host[n] == ':') {
        char *end;
        long port = strtol(host + n + 1, &end, 10);
        if (end == host + n + 1 || (*end && *end != '/') || port < 1 || port > 65535)
            return url_refused(e, "the port must be a number from 1 to 65535");
    }
    return true;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t read_upload(char *dst, size_t size, size_t nmemb, void *ctx) {
    struct upload *u = ctx;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static void classify(CURLcode res, long reply, struct rk_smtp_outcome *out) {
    out->reply = reply;
    out->relay_down = false;
    if (res == CURLE_OK) {
        out->result = RK_SMTP_SENT;
        snprintf(out->error, sizeof out->error, "accepted (%ld)", reply);
        return;
    }
    if (res == CURLE_LOGIN_DENIED || res == CURLE_USE_SSL_FAILED) {
        /* The relay's settings, not this message: keep it and stop the pass. */
        out->result = RK_SMTP_TRANSIENT;
        out->relay_down = true;
    } else if (reply >= 500 && reply < 600) {
        out->result = RK_SMTP_PERMANENT;
    } else {
        out->result = RK_SMTP_TRANSIENT;
        out->relay_down = reply == 0; /* no conversation with the relay at all */
    }
    if (reply)
        snprintf(out->error, sizeof out->error, "smtp: %s; the relay answered %ld",
                 curl_easy_strerror(res), reply);
    else
        snprintf(out->error, sizeof out->error, "smtp: %s", curl_easy_strerror(res));
}

/* Writes the message as DIR/<time>-<n>.eml: aside first, synced, then renamed into place. */
static rk_err drop(const char *dir, const char *data, size_t len, struct rk_smtp_outcome *out) {
    static atomic_ulong seq;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char name[4200], tmp[4200];
    unsigned long n = atomic_fetch_add(&seq, 1);
    snprintf(name, sizeof name, "%s/%lld%09ld-%d-%lu.eml", dir, (long long)now.tv_sec, now.tv_nsec,
             (int)getpid(), n);
    snprintf(tmp, sizeof tmp, "%s/.%lld%09ld-%d-%lu.tmp", dir, (long long)now.tv_sec, now.tv_nsec,
             (int)getpid(), n);
    memset(out, 0, sizeof *out);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < len;) {
        ssize_t w = write(fd, data + done, len - done);
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, name) == 0;
    if (!ok) {
        unlink(tmp);
        out->result = RK_SMTP_TRANSIENT;
        out->relay_down = true;
        snprintf(out->error, sizeof out->error, "cannot write to the mail directory");
        return RK_OK;
    }
    out->result = RK_SMTP_SENT;
    return RK_OK;
}

rk_err rk_smtp_send(const struct rk_smtp_config *cfg, const char *recipient, const char *data,
                    size_t len, struct rk_smtp_outcome *out) {
    if (strncmp(cfg->url, "file:///", 8) == 0)
        return drop(cfg->url + 7, data, len, out);
    char from[RK_MAIL_ADDRESS_MAX + 3], to[RK_MAIL_ADDRESS_MAX + 3];
    snprintf(from, sizeof from, "<%s>", cfg->from);
    snprintf(to, sizeof to, "<%s>", recipient);
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!c || !rcpt) {
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(c);
        return RK_ENOMEM;
    }
    struct upload up = {data, len};
    curl_easy_setopt(c, CURLOPT_URL, cfg->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    if (cfg->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    if (cfg->starttls)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout_s > 0 ? cfg->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode res = curl_easy_perform(c);
    long reply = 0;
    if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply) != CURLE_OK)
        reply = 0;
    classify(res, reply, out);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return RK_OK;
}
