/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local transport's wire format, shared by the backend and pcifront.
 *
 * A Unix SOCK_SEQPACKET connection carries small text messages, each a set
 * of "key=value\n" lines: the local analogue of the xenstore directories a
 * Xen frontend and backend write for each other.
 *
 *   guest -> backend   name=<guest> state=1            (Initialising: who am I)
 *   backend -> guest   state=3 num_devs=N vdev-I=dddd:bb:dd.ff root_num=R root-I=dddd:bb
 *                      (Initialised: the devices are exported and published)
 *   guest -> backend   magic=7 state=3 + SCM_RIGHTS { page memfd, kick eventfd, notify eventfd }
 *   backend -> guest   state=4                         (Connected)
 *   guest -> backend   state=5 or state=6              (Closing/Closed: disconnect)
 *   backend -> guest   state=5 error=<one line>        (a fatal error; the backend then hangs up)
 *
 * The page is a memfd of at least 4096 bytes sealed with F_SEAL_SHRINK and
 * F_SEAL_SEAL, holding struct pciif_sharedinfo at offset 0.  The guest posts
 * an op by setting _XEN_PCIF_active and writing 1 to the kick eventfd; the
 * backend clears the bit and writes the notify eventfd.
 *
 * Hot-plug (local_reconf.c), at any time while connected:
 *   backend -> guest   state=7 num_devs=N vdev-I=... state-I=3|5   (5: that device was taken away)
 *   guest -> backend   state=7                         (it detached those)
 *   backend -> guest   state=8 + the publication as at state=3 (Reconfigured)
 *   guest -> backend   state=4                         (it rescanned its roots)
 *
 * AER (dispatch/aer.h): the backend fills aer_op, sets _XEN_PCIB_active and writes the
 * notify eventfd; the guest writes its answer to aer_op.err, clears the bit
 * and writes the kick eventfd.  _XEN_PCIB_AERHANDLER is the guest's to set.
 */
#ifndef PCIBACKD_TRANSPORT_LOCAL_MSG_H
#define PCIBACKD_TRANSPORT_LOCAL_MSG_H

#include <stdarg.h>
#include <stddef.h>

#define LT_MSG_MAX 4096        /* bytes in one message */
#define LT_MSG_MAX_KEYS 256
#define LT_KEY_MAX 32
#define LT_VAL_MAX 192
#define LT_FDS_MAX 3           /* page, kick, notify */
#define LT_PAGE_SIZE 4096
#define LT_GUEST_NAME_MAX 63

/* Keys. */
#define LT_K_NAME "name"
#define LT_K_STATE "state"
#define LT_K_MAGIC "magic"
#define LT_K_ERROR "error"
#define LT_K_NUM_DEVS "num_devs"
#define LT_K_VDEV "vdev-"      /* + index */
#define LT_K_ROOT_NUM "root_num"
#define LT_K_ROOT "root-"      /* + index */
#define LT_K_DEV_STATE "state-" /* + index: a device's XenbusState in a hot-plug round */

struct lt_kv {
	char key[LT_KEY_MAX];
	char val[LT_VAL_MAX];
};

struct lt_msg {
	size_t n;
	struct lt_kv kv[LT_MSG_MAX_KEYS];
};

void lt_msg_init(struct lt_msg *m);
/* Adds or replaces a key; -1 if the message is full or the key/value too long or malformed. */
int lt_msg_set(struct lt_msg *m, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* NULL when absent. */
const char *lt_msg_get(const struct lt_msg *m, const char *key);
/* Parses an unsigned decimal value; -1 when absent or malformed. */
long lt_msg_get_num(const struct lt_msg *m, const char *key, long max);

/*
 * Strict parse: printable ASCII lines "key=value", keys of [a-z0-9_-], no
 * duplicate keys, every line ends with '\n'.  Returns 0 or -1 + err.
 */
int lt_msg_parse(const char *buf, size_t len, struct lt_msg *m, char *err, size_t errlen);

/* True if s is a valid guest name: 1..63 of [A-Za-z0-9_.-]. */
int lt_guest_name_ok(const char *s);

/* Sends one message with optional fds; 0 or -errno. */
int lt_send(int sock, const struct lt_msg *m, const int *fds, int nfds);

/*
 * Receives one message.  Returns 1 with the message (and up to LT_FDS_MAX fds
 * in fds, count in *nfds, which the caller then owns), 0 on orderly hang-up,
 * -EAGAIN when nothing is there, or another -errno / -EPROTO with err set
 * (any fds received are closed then).
 */
int lt_recv(int sock, struct lt_msg *m, int *fds, int *nfds, char *err, size_t errlen);

#endif
