/*
 * ngx_http_resale_module: resale in nginx, over the C ABI (libresale.a).
 *
 *   resale_policy <file>;          http, server, location: compiled once at
 *                                  configuration load; a bad policy fails
 *                                  `nginx -t` with the engine's coded error.
 *   resale_catalog_filter on|off;  filter proxied catalog feeds as they stream,
 *                                  under the headers the gateway gives (its
 *                                  own ETag, 304, 502 for upstream failures).
 *   resale_gateway;                location handler: what the gateway answers
 *                                  itself (/buy 302 or 400 as HTML or JSON,
 *                                  /healthz, 404, 405). resale_shop_gate is
 *                                  the same handler, by its older name.
 *   resale_buy_url_from <value>;   $resale_buy_url: that value (variables
 *                                  allowed) as a rewritten buy link.
 *
 * Every rule, answer, header list and page is in the engine
 * (resale_core::gateway over the C ABI): this file only maps nginx's request
 * and response onto it.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <resale.h>


/* Output buffers of one filtered response: at most RESALE_BUFS of
 * RESALE_BUF_SIZE bytes in flight; past that the filter stops reading its
 * input until the client has taken some (as the gzip filter does). */
#define NGX_HTTP_RESALE_BUF_SIZE   32768
#define NGX_HTTP_RESALE_BUFS       16

/* A bit of c->buffered no module of nginx 1.22 uses: set while the filter
 * holds input or output it has not passed on. */
#define NGX_HTTP_RESALE_BUFFERED   0x40


typedef struct {
    resale_gateway           *gateway;
    ngx_flag_t                catalog_filter;
    ngx_flag_t                shop_gate;      /* here, not inherited */
    ngx_http_complex_value_t *buy_url_from;
} ngx_http_resale_loc_conf_t;


typedef struct {
    resale_catalog_filter    *filter;    /* NULL: `replace` is sent instead */
    resale_buffer             out;       /* the engine's last output */
    size_t                    sent;      /* bytes of `out` already copied */
    ngx_chain_t              *in;        /* input not read yet */
    ngx_chain_t              *free;
    ngx_chain_t              *busy;
    ngx_uint_t                bufs;      /* output buffers allocated */
    ngx_str_t                 replace;   /* a gateway reply's body */
    unsigned                  finished:1;   /* the end fed, last_buf due */
    unsigned                  done:1;       /* last_buf passed on */
    unsigned                  failed:1;
    unsigned                  flush:1;
} ngx_http_resale_ctx_t;


static char *ngx_http_resale_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_resale_shop_gate(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_resale_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_resale_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_resale_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_resale_init(ngx_conf_t *cf);


static ngx_command_t  ngx_http_resale_commands[] = {

    { ngx_string("resale_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_resale_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("resale_catalog_filter"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_resale_loc_conf_t, catalog_filter),
      NULL },

    { ngx_string("resale_gateway"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_resale_shop_gate,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("resale_shop_gate"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_resale_shop_gate,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("resale_buy_url_from"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_resale_loc_conf_t, buy_url_from),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_resale_module_ctx = {
    ngx_http_resale_add_variables,         /* preconfiguration */
    ngx_http_resale_init,                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_resale_create_loc_conf,       /* create location configuration */
    ngx_http_resale_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_resale_module = {
    NGX_MODULE_V1,
    &ngx_http_resale_module_ctx,           /* module context */
    ngx_http_resale_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/* ---- configuration ----------------------------------------------------- */

static void
ngx_http_resale_gateway_cleanup(void *data)
{
    resale_gateway_free(data);
}


/* The policy file, read and compiled by the library (resale_gateway_from_file);
 * its policy (resale_gateway_policy) serves the catalog filter and
 * $resale_buy_url. */
static char *
ngx_http_resale_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_resale_loc_conf_t *rlcf = conf;

    u_char               text[NGX_MAX_CONF_ERRSTR];
    ngx_str_t           *value, name;
    resale_error        *err;
    ngx_pool_cleanup_t  *cln;

    if (rlcf->gateway != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* Registered first: it frees whatever gateway cln->data comes to hold. */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }
    cln->handler = ngx_http_resale_gateway_cleanup;

    rlcf->gateway = NULL;
    err = NULL;
    if (resale_gateway_from_file((const char *) name.data, name.len,
                                 &rlcf->gateway, &err)
        != RESALE_STATUS_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "resale_policy \"%V\": %*s",
                           &name,
                           resale_error_text(err, (char *) text, sizeof(text)),
                           text);
        resale_error_free(err);
        return NGX_CONF_ERROR;
    }

    cln->data = rlcf->gateway;
    return NGX_CONF_OK;
}


static ngx_int_t ngx_http_resale_gate_handler(ngx_http_request_t *r);


static char *
ngx_http_resale_shop_gate(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_resale_loc_conf_t *rlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (rlcf->shop_gate) {
        return "is duplicate";
    }

    rlcf->shop_gate = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_resale_gate_handler;

    return NGX_CONF_OK;
}


static void *
ngx_http_resale_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_resale_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_resale_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->gateway = NGX_CONF_UNSET_PTR;
    conf->catalog_filter = NGX_CONF_UNSET;
    conf->buy_url_from = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_resale_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_resale_loc_conf_t *prev = parent;
    ngx_http_resale_loc_conf_t *conf = child;

    ngx_conf_merge_ptr_value(conf->gateway, prev->gateway, NULL);
    ngx_conf_merge_value(conf->catalog_filter, prev->catalog_filter, 0);
    ngx_conf_merge_ptr_value(conf->buy_url_from, prev->buy_url_from, NULL);

    if (conf->gateway == NULL
        && (conf->catalog_filter || conf->shop_gate || conf->buy_url_from))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s needs a \"resale_policy\" in this location "
                           "or an enclosing block",
                           conf->shop_gate ? "resale_shop_gate"
                           : conf->catalog_filter ? "resale_catalog_filter"
                                                  : "resale_buy_url_from");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* ---- gateway replies ---------------------------------------------------- */

/* A call the engine refused: logged in the engine's wording (the `%*s` of
 * `fmt`), freed. */
static void
ngx_http_resale_log_error(ngx_http_request_t *r, const char *fmt,
    resale_error *err)
{
    u_char  text[NGX_MAX_ERROR_STR];

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, fmt,
                  resale_error_text(err, (char *) text, sizeof(text)), text);
    resale_error_free(err);
}


/* Each element `h` of an nginx list of headers. */
#define ngx_http_resale_each(list, part, h)                                  \
    for (part = &(list)->part; part; part = part->next)                      \
        for (h = part->elts; h < (ngx_table_elt_t *) part->elts + part->nelts; h++)


/* An nginx string as the library's view of it. */
#define ngx_http_resale_str(s)  ((resale_str) { (const char *) (s).data, (s).len })

/* A request header from nginx's own slot (a --with-compat build has them
 * all; the first of repeated headers, as nginx keeps it). */
#define ngx_http_resale_in(h)                                                 \
    ((h) ? ngx_http_resale_str((h)->value) : (resale_str) { NULL, 0 })


/* The parts of the request the gateway reads. */
static void
ngx_http_resale_request(ngx_http_request_t *r, resale_http_request *req)
{
    req->method = ngx_http_resale_str(r->method_name);
    req->target = ngx_http_resale_str(r->unparsed_uri);
    req->accept = ngx_http_resale_in(r->headers_in.accept);
    req->if_none_match = ngx_http_resale_in(r->headers_in.if_none_match);
    req->accept_encoding = ngx_http_resale_in(r->headers_in.accept_encoding);
}


/*
 * Put a gateway reply (the library's text: status line, "name: value"
 * lines, empty line, body; copied into the request's pool) in place of
 * every response header there was. `body` is set to the reply's body.
 */
static ngx_int_t
ngx_http_resale_set_reply(ngx_http_request_t *r, resale_buffer *wire,
    ngx_str_t *body)
{
    u_char           *p;
    size_t            at;
    ngx_str_t         value;
    resale_str        text, name, val;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    p = ngx_pnalloc(r->pool, wire->len);
    if (p == NULL) {
        return NGX_ERROR;
    }
    ngx_memcpy(p, wire->data, wire->len);
    text.data = (const char *) p;
    text.len = wire->len;

    ngx_http_resale_each(&r->headers_out.headers, part, h) {
        h->hash = 0;
    }

    r->headers_out.content_type.len = 0;
    r->headers_out.content_type_len = 0;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;
    r->headers_out.content_length = NULL;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified = NULL;
    r->headers_out.last_modified_time = -1;
    r->headers_out.etag = NULL;
    r->headers_out.location = NULL;
    r->headers_out.content_encoding = NULL;
    r->headers_out.accept_ranges = NULL;
    r->headers_out.expires = NULL;
    r->headers_out.cache_control.nelts = 0;
    r->allow_ranges = 0;

    /* The library reads its own text: views into the pool's copy. */
    r->headers_out.status = resale_reply_status(text);
    r->headers_out.status_line.len = 0;
    if (r->headers_out.status == 0) {
        return NGX_ERROR;
    }

    for (at = 0; (at = resale_reply_header(text, at, &name, &val)); ) {
        value.data = (u_char *) val.data;
        value.len = val.len;

        if (name.len == 12 && ngx_strncmp(name.data, "content-type", 12) == 0) {
            r->headers_out.content_type = value;
            p = ngx_strlchr(value.data, value.data + value.len, ';');
            r->headers_out.content_type_len = p ? (size_t) (p - value.data) : value.len;
            continue;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }
        h->hash = 1;
        h->key.len = name.len;
        h->key.data = (u_char *) name.data;
        h->value = value;
        h->lowcase_key = NULL;

        /* nginx's own filters read these two from their slots. */
        if (name.len == 8 && ngx_strncmp(name.data, "location", 8) == 0) {
            r->headers_out.location = h;
        } else if (name.len == 4 && ngx_strncmp(name.data, "etag", 4) == 0) {
            r->headers_out.etag = h;
        }
    }

    val = resale_reply_body(text);
    body->data = (u_char *) val.data;
    body->len = val.len;

    return NGX_OK;
}


/* A reply's whole body as the request's last buffer (an empty one is a
 * special buffer, as ngx_http_send_special makes). */
static ngx_chain_t *
ngx_http_resale_body_chain(ngx_http_request_t *r, ngx_str_t *body)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);
    if (b == NULL || cl == NULL) {
        return NULL;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = (body->len != 0);
    b->last_buf = (r == r->main);
    b->sync = (body->len == 0 && r != r->main);
    b->last_in_chain = 1;

    cl->buf = b;
    cl->next = NULL;
    return cl;
}


/* Send a whole gateway reply from a content handler. */
static ngx_int_t
ngx_http_resale_send_reply(ngx_http_request_t *r, resale_buffer *wire)
{
    ngx_int_t     rc;
    ngx_str_t     body;
    ngx_chain_t  *out;

    if (ngx_http_resale_set_reply(r, wire, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.content_length_n = body.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out = ngx_http_resale_body_chain(r, &body);
    return out ? ngx_http_output_filter(r, out) : NGX_ERROR;
}


static ngx_int_t
ngx_http_resale_gate_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    resale_error                *err;
    resale_buffer                wire = { NULL, 0, 0 };
    resale_status                status;
    resale_http_request          req;
    resale_gateway_decision      decision;
    ngx_http_resale_loc_conf_t  *rlcf;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_resale_module);
    ngx_http_resale_request(r, &req);

    err = NULL;
    status = resale_gateway_route(rlcf->gateway, &req, &decision, &wire, &err);

    if (status != RESALE_STATUS_OK) {
        ngx_http_resale_log_error(r, "resale_gateway: %*s", err);
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else if (decision != RESALE_GATEWAY_DECISION_REPLY) {
        /* The catalog and the webhook are other locations' work. */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "resale_gateway: \"%V\" is not answered by the gateway "
                      "alone (proxy the catalog with resale_catalog_filter)",
                      &r->uri);
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        rc = ngx_http_resale_send_reply(r, &wire);
    }

    resale_buffer_free(&wire);
    return rc;
}


/* ---- $resale_buy_url ---------------------------------------------------- */

/* The value of resale_buy_url_from rewritten to the shop; the value itself
 * when it is not a Plesk buy link; not found when it is not a URL (or no
 * resale_buy_url_from applies). */
static ngx_int_t
ngx_http_resale_buy_url_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                    src;
    resale_buffer                out = { NULL, 0, 0 };
    resale_status                status;
    ngx_http_resale_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_resale_module);

    if (rlcf->buy_url_from == NULL || rlcf->gateway == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, rlcf->buy_url_from, &src) != NGX_OK) {
        return NGX_ERROR;
    }

    status = resale_rewrite_buy_url(resale_gateway_policy(rlcf->gateway),
                                    (const char *) src.data, src.len, &out,
                                    NULL);

    if (status == RESALE_STATUS_OK) {
        src.len = out.len;
        src.data = ngx_pnalloc(r->pool, out.len);
        if (src.data == NULL) {
            resale_buffer_free(&out);
            return NGX_ERROR;
        }
        ngx_memcpy(src.data, out.data, out.len);

    } else if (status != RESALE_STATUS_UNCHANGED) {
        resale_buffer_free(&out);
        v->not_found = 1;
        return NGX_OK;
    }

    resale_buffer_free(&out);

    v->len = src.len;
    v->data = src.data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_resale_add_variables(ngx_conf_t *cf)
{
    ngx_str_t              name = ngx_string("resale_buy_url");
    ngx_http_variable_t   *var;

    var = ngx_http_add_variable(cf, &name, NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_resale_buy_url_variable;

    return NGX_OK;
}


/* ---- the catalog filter ------------------------------------------------- */

static void
ngx_http_resale_ctx_cleanup(void *data)
{
    ngx_http_resale_ctx_t *ctx = data;

    resale_catalog_filter_free(ctx->filter);
    ctx->filter = NULL;
    resale_buffer_free(&ctx->out);
}


/* The upstream's response headers as "Name: value" lines, for the gateway. */
static ngx_int_t
ngx_http_resale_upstream_lines(ngx_http_request_t *r, ngx_str_t *lines)
{
    u_char           *p;
    size_t            len;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = 0;
    ngx_http_resale_each(&r->upstream->headers_in.headers, part, h) {
        len += h->key.len + 2 + h->value.len + 1;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }
    lines->data = p;

    ngx_http_resale_each(&r->upstream->headers_in.headers, part, h) {
        p = ngx_sprintf(p, "%V: %V\n", &h->key, &h->value);
    }
    lines->len = p - lines->data;

    return NGX_OK;
}


/*
 * A catalog response's head, decided by the gateway: passed on as it is,
 * replaced by the gateway's reply (502 for an upstream that failed, did
 * not answer or sent an encoding nginx does not inflate here; 304 for a
 * current poll), or filtered under the gateway's headers.
 */
static ngx_int_t
ngx_http_resale_header_filter(ngx_http_request_t *r)
{
    ngx_str_t                    lines, body;
    ngx_int_t                    rc;
    resale_str                   head = { NULL, 0 }, none = { "", 0 };
    resale_error                *err;
    resale_buffer                wire = { NULL, 0, 0 };
    resale_status                status;
    ngx_pool_cleanup_t          *cln;
    ngx_http_resale_ctx_t       *ctx;
    resale_http_request          req;
    resale_catalog_action        action;
    ngx_http_resale_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_resale_module);

    if (!rlcf->catalog_filter || rlcf->gateway == NULL || r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ngx_http_resale_request(r, &req);
    err = NULL;

    /* No upstream head (NULL lines): nginx answered itself. nginx hands
     * the filter the body as it came: it inflates nothing (no decodes). */
    if (r->upstream && r->upstream->headers_in.status_n) {
        if (ngx_http_resale_upstream_lines(r, &lines) != NGX_OK) {
            return NGX_ERROR;
        }
        head = ngx_http_resale_str(lines);
    }
    /* `whole` NULL: this module streams every feed, even one the gateway
     * would have read whole (a Content-Length up to 8 MiB). This header
     * filter passes the head on before nginx has read any of the body,
     * and the body filter then gets it buffer by buffer, under nginx's
     * flow control; reading it whole first would mean holding the head
     * back and up to 8 MiB per request outside that control. So an invalid
     * or cut feed aborts the response here, where a whole-reading edge
     * answers a coded 502 (README, "as it streams"). */
    status = resale_gateway_catalog_answer(rlcf->gateway, &req,
                                           r->headers_out.status, head, none,
                                           &action, NULL, &wire, &err);

    if (status != RESALE_STATUS_OK) {
        ngx_http_resale_log_error(r, "resale_catalog_filter: %*s", err);
        resale_buffer_free(&wire);
        return NGX_ERROR;
    }

    if (action == RESALE_CATALOG_ACTION_PASS) {
        resale_buffer_free(&wire);
        return ngx_http_next_header_filter(r);
    }

    rc = ngx_http_resale_set_reply(r, &wire, &body);
    resale_buffer_free(&wire);
    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_resale_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (action == RESALE_CATALOG_ACTION_REPLY) {
        /* The upstream's body (or nginx's error page) is dropped. */
        ctx->replace = body;
        r->headers_out.content_length_n = body.len;
        ngx_http_set_ctx(r, ctx, ngx_http_resale_module);
        return ngx_http_next_header_filter(r);
    }

    if (r->header_only) {
        return ngx_http_next_header_filter(r);
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    status = resale_catalog_filter_new(resale_gateway_policy(rlcf->gateway),
                                       req.target.data, req.target.len,
                                       &ctx->filter, &err);
    if (status != RESALE_STATUS_OK) {
        ngx_http_resale_log_error(r, "resale_catalog_filter: %*s", err);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_resale_ctx_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_resale_module);

    /* Bodies the proxy buffered to a temporary file are read back into
     * memory by the copy filter before they reach this one. */
    r->filter_need_in_memory = 1;

    return ngx_http_next_header_filter(r);
}


/* A replaced response: whatever body comes is dropped, the gateway's
 * reply body goes out once, as the whole body. */
static ngx_int_t
ngx_http_resale_replace(ngx_http_request_t *r, ngx_http_resale_ctx_t *ctx,
    ngx_chain_t *in)
{
    ngx_chain_t  *out, *cl;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (ctx->done || r->header_only) {
        return NGX_OK;
    }
    ctx->done = 1;

    out = ngx_http_resale_body_chain(r, &ctx->replace);
    return out ? ngx_http_next_body_filter(r, out) : NGX_ERROR;
}


/* The failure of a feed: logged, and the response aborted (the caller
 * returns NGX_ERROR, nginx closes the connection before the end of the
 * body, so the client never sees a complete response). */
static ngx_int_t
ngx_http_resale_fail(ngx_http_request_t *r, ngx_http_resale_ctx_t *ctx,
    resale_error *err)
{
    ctx->failed = 1;
    r->connection->buffered &= ~NGX_HTTP_RESALE_BUFFERED;

    if (err) {
        ngx_http_resale_log_error(r, "resale_catalog_filter: invalid feed from "
                                  "the upstream (%*s), response aborted", err);
    }

    return NGX_ERROR;
}


/* A cleared output buffer appended at `*ll` and made `*last`: NGX_OK,
 * NGX_AGAIN when all are in flight, NGX_ERROR. */
static ngx_int_t
ngx_http_resale_add_buf(ngx_http_request_t *r, ngx_http_resale_ctx_t *ctx,
    ngx_chain_t ***ll, ngx_buf_t **last)
{
    u_char       *start, *end;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (ctx->free == NULL && ctx->bufs >= NGX_HTTP_RESALE_BUFS) {
        return NGX_AGAIN;
    }

    cl = ngx_chain_get_free_buf(r->pool, &ctx->free);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    b = cl->buf;
    start = b->start;
    end = b->end;

    if (start == NULL) {
        start = ngx_palloc(r->pool, NGX_HTTP_RESALE_BUF_SIZE);
        if (start == NULL) {
            return NGX_ERROR;
        }
        end = start + NGX_HTTP_RESALE_BUF_SIZE;
        ctx->bufs++;
    }

    ngx_memzero(b, sizeof(ngx_buf_t));
    b->start = start;
    b->end = end;
    b->pos = start;
    b->last = start;
    b->temporary = 1;
    b->tag = (ngx_buf_tag_t) &ngx_http_resale_module;

    cl->next = NULL;
    **ll = cl;
    *ll = &cl->next;
    *last = b;

    return NGX_OK;
}


/* Copy what the engine produced into output buffers (appended at `*ll`,
 * filling the one at `*last` first); once the input is finished, there is
 * a buffer at `*last` even when nothing is left to copy, for last_buf.
 * NGX_OK when all is copied, NGX_AGAIN when buffers ran out, NGX_ERROR. */
static ngx_int_t
ngx_http_resale_copy_out(ngx_http_request_t *r, ngx_http_resale_ctx_t *ctx,
    ngx_chain_t ***ll, ngx_buf_t **last)
{
    size_t        n;
    ngx_int_t     rc;
    ngx_buf_t    *b;

    while (ctx->sent < ctx->out.len || (ctx->finished && *last == NULL)) {
        if (*last == NULL || (*last)->last == (*last)->end) {
            rc = ngx_http_resale_add_buf(r, ctx, ll, last);
            if (rc != NGX_OK) {
                return rc;
            }
        }
        b = *last;

        n = ngx_min((size_t) (b->end - b->last), ctx->out.len - ctx->sent);
        b->last = ngx_cpymem(b->last, ctx->out.data + ctx->sent, n);
        ctx->sent += n;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_resale_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t               rc;
    ngx_buf_t              *b, *last;
    ngx_uint_t              held;
    ngx_chain_t            *out, **ll, *cl;
    resale_error           *err;
    resale_status           status;
    ngx_http_resale_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_resale_module);

    if (ctx && ctx->filter == NULL) {
        return ngx_http_resale_replace(r, ctx, in);
    }

    if (ctx == NULL || ctx->done) {
        return ngx_http_next_body_filter(r, in);
    }

    if (ctx->failed) {
        return NGX_ERROR;
    }

    if (in && ngx_chain_add_copy(r->pool, &ctx->in, in) != NGX_OK) {
        return NGX_ERROR;
    }

    for ( ;; ) {
        out = NULL;
        ll = &out;
        last = NULL;

        /* The engine's output into buffers, then the next input buffer into
         * the engine, until the output is stuck or the input used up. */
        while ((rc = ngx_http_resale_copy_out(r, ctx, &ll, &last)) == NGX_OK
               && !ctx->finished && ctx->in)
        {
            cl = ctx->in;
            b = cl->buf;
            ctx->in = cl->next;
            ngx_free_chain(r->pool, cl);

            if (b->in_file && !ngx_buf_in_memory(b)) {
                ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                              "resale_catalog_filter: a file buffer "
                              "reached the filter");
                return ngx_http_resale_fail(r, ctx, NULL);
            }

            /* A last buffer's data and the end in one call: the output of
             * both is in ctx->out. */
            err = NULL;
            status = resale_catalog_filter_feed(ctx->filter,
                                                (const char *) b->pos,
                                                b->last - b->pos, b->last_buf,
                                                &ctx->out, NULL, &err);
            b->pos = b->last;
            b->file_pos = b->file_last;
            if (status != RESALE_STATUS_OK) {
                return ngx_http_resale_fail(r, ctx, err);
            }
            ctx->sent = 0;
            ctx->finished = b->last_buf;
            ctx->flush |= b->flush;
        }

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_OK && ctx->finished) {
            /* copy_out left a buffer for it; an empty one is special. */
            last->temporary = (last->pos != last->last);
            last->last_buf = 1;
            ctx->done = 1;
        }

        /* Input or output this filter has not passed on. */
        held = !ctx->done && (ctx->in || ctx->sent < ctx->out.len);

        if (out && ctx->flush && !held) {
            last->flush = 1;
            ctx->flush = 0;
        }

        if (held) {
            r->connection->buffered |= NGX_HTTP_RESALE_BUFFERED;
        } else {
            r->connection->buffered &= ~NGX_HTTP_RESALE_BUFFERED;
        }

        if (out == NULL && ctx->busy == NULL && !held) {
            /* Nothing produced (the engine holds an incomplete token). */
            return NGX_OK;
        }

        rc = ngx_http_next_body_filter(r, out);

        ngx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                                (ngx_buf_tag_t) &ngx_http_resale_module);

        if (rc == NGX_ERROR || !held) {
            return rc;
        }

        /* Input left: go on only if the client took some output. */
        if (rc != NGX_OK
            || (ctx->free == NULL && ctx->bufs >= NGX_HTTP_RESALE_BUFS))
        {
            return NGX_AGAIN;
        }
    }
}


static ngx_int_t
ngx_http_resale_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_resale_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_resale_body_filter;

    return NGX_OK;
}
