/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto_samples.h - valid messages of every type, shared by the unit test
 * and the fuzz driver (which mutates them).
 */
#ifndef TESTS_PROTO_SAMPLES_H
#define TESTS_PROTO_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define PROTO_SAMPLES_MAX 96

struct proto_sample {
	const char *label;
	struct proto_msg msg;
};

/* The messages point into the buffers, so the struct is one allocation
 * (about 600 KiB: calloc it). */
struct proto_samples {
	uint8_t data[PROTO_MAX_DATA]; /* patterned bytes */
	char max_path[PROTO_MAX_PATH + 1];
	char max_target[PROTO_MAX_PATH + 1];
	char max_xname[PROTO_MAX_XATTR_NAME + 1];
	uint8_t names[4096];
	uint32_t names_len;
	uint8_t xattrs[PROTO_MAX_XATTR_VALUE + 512];
	uint32_t xattrs_len;
	size_t n;
	struct proto_sample s[PROTO_SAMPLES_MAX];
};

/* Fill ps (zeroed by the caller) with valid messages covering every type. */
void proto_samples_init(struct proto_samples *ps);

/* Field by field, strings and data by content.  Returns 1 when equal. */
int proto_msg_equal(const struct proto_msg *a, const struct proto_msg *b);

/* Describe the first difference (for failure messages). */
const char *proto_msg_diff(const struct proto_msg *a,
			   const struct proto_msg *b);

#endif /* TESTS_PROTO_SAMPLES_H */
