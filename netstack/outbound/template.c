// SPDX-License-Identifier: MIT
/* template.c - see template.h. */
#include "template.h"

#include <stdlib.h>
#include <string.h>

bool tmpl_valid_name(const char *name, size_t len)
{
	if (len == 0 || len > TMPL_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '_' || (c >= 'A' && c <= 'Z'))
			continue;
		if (i > 0 && c >= '0' && c <= '9')
			continue;
		return false;
	}
	return true;
}

static int add_seg(struct tmpl *t, bool ref, const char *text, size_t len)
{
	struct tmpl_seg *ns;
	char *copy;

	if (!ref && len == 0)
		return 0;
	/* adjacent literals ("a$$b") are merged into one segment */
	if (!ref && t->nsegs && !t->segs[t->nsegs - 1].ref) {
		struct tmpl_seg *last = &t->segs[t->nsegs - 1];

		copy = realloc(last->text, last->len + len + 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy + last->len, text, len);
		last->len += len;
		copy[last->len] = '\0';
		last->text = copy;
		return 0;
	}
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	ns = realloc(t->segs, (t->nsegs + 1) * sizeof(*ns));
	if (!ns) {
		free(copy);
		return -ENOMEM;
	}
	t->segs = ns;
	t->segs[t->nsegs++] = (struct tmpl_seg){ .ref = ref, .text = copy, .len = len };
	return 0;
}

int tmpl_parse(const char *src, struct tmpl *t, struct merr *e)
{
	size_t n = strlen(src), lit = 0, i = 0;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (n > TMPL_MAX)
		return merr_set(e, EINVAL, "template is longer than %d bytes", TMPL_MAX);
	while (i < n && !r) {
		unsigned char c = (unsigned char)src[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			r = merr_set(e, EINVAL, "column %zu: control character in template", i + 1);
			break;
		}
		if (c != '$') {
			i++;
			continue;
		}
		r = add_seg(t, false, src + lit, i - lit);
		if (r)
			break;
		if (src[i + 1] == '$') {
			r = add_seg(t, false, "$", 1);
			i += 2;
		} else if (src[i + 1] == '{') {
			const char *end = memchr(src + i + 2, '}', n - i - 2);
			size_t len;

			if (!end) {
				r = merr_set(e, EINVAL, "column %zu: \"${\" without a closing \"}\"", i + 1);
				break;
			}
			len = (size_t)(end - (src + i + 2));
			if (!tmpl_valid_name(src + i + 2, len)) {
				r = merr_set(e, EINVAL,
					     "column %zu: \"%.*s\" is not a valid name (A-Z, 0-9 and _, not starting with a digit, at most %d)",
					     i + 3, (int)(len < 80 ? len : 80), src + i + 2, TMPL_NAME_MAX);
				break;
			}
			r = add_seg(t, true, src + i + 2, len);
			i += len + 3;
		} else {
			r = merr_set(e, EINVAL,
				     "column %zu: \"$\" must start \"${NAME}\" (write \"$$\" for a literal \"$\")", i + 1);
			break;
		}
		lit = i;
	}
	if (!r)
		r = add_seg(t, false, src + lit, i - lit);
	if (r == -ENOMEM)
		merr_set(e, ENOMEM, "template: out of memory");
	if (r)
		tmpl_free(t);
	return r;
}

void tmpl_free(struct tmpl *t)
{
	for (size_t i = 0; i < t->nsegs; i++)
		free(t->segs[i].text);
	free(t->segs);
	t->segs = NULL;
	t->nsegs = 0;
}

int tmpl_expand(const struct tmpl *t, tmpl_lookup_fn lookup, void *ctx, struct ob_buf *out)
{
	for (size_t i = 0; i < t->nsegs; i++) {
		int r;

		if (t->segs[i].ref)
			r = lookup(ctx, t->segs[i].text, out);
		else
			r = ob_buf_append(out, t->segs[i].text, t->segs[i].len);
		if (r)
			return r;
	}
	return 0;
}
