// What Swift cannot take from libnl directly: its attribute-policy tables, the
// nested-attribute parsing that needs them, and an error callback that keeps the
// kernel's raw errno from each nlmsgerr (libnl would translate it to its own codes).
#ifndef CIPVS_SHIM_H
#define CIPVS_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <linux/ip_vs.h>

#define CIPVS_CMD_ATTR_COUNT 7      /* IPVS_CMD_ATTR_MAX + 1 */
#define CIPVS_SVC_ATTR_COUNT 14     /* IPVS_SVC_ATTR_MAX + 1 */
#define CIPVS_DEST_ATTR_COUNT 17    /* IPVS_DEST_ATTR_MAX + 1 */
#define CIPVS_DAEMON_ATTR_COUNT 9   /* IPVS_DAEMON_ATTR_MAX + 1 */
#define CIPVS_STATS_ATTR_COUNT 12   /* IPVS_STATS_ATTR_MAX + 1 */
#define CIPVS_INFO_ATTR_COUNT 3     /* IPVS_INFO_ATTR_MAX + 1 */

/// IP_VS_SO_GET_INFO (MERGE: helper's version)
enum { CIPVS_SO_GET_INFO = IP_VS_SO_GET_INFO };

/// One kernel error reply: the raw errno (negative, as the kernel sends it) and
/// the sequence number of the request it answers.
typedef struct cipvs_error_record {
    int error;
    uint32_t sequence;
} cipvs_error_record;

/// Where the callbacks installed by cipvs_install_reply_handlers() write.
typedef struct cipvs_reply_log {
    /// Caller-owned storage for error records; may be NULL when capacity is 0.
    cipvs_error_record *_Nullable errors;
    size_t error_capacity;
    size_t error_count;
    /// Errors beyond error_capacity are counted here but not stored.
    size_t errors_dropped;
    /// Positive acknowledgements seen (nlmsgerr with error 0).
    size_t acks;
    /// The most recent raw errno (negative), 0 when none.
    int last_error;
    /// Nonzero: keep reading after an error or ack (batches). Zero: stop at the first.
    int keep_going;
} cipvs_reply_log;

/// Routes error and ack replies received through `callbacks` into `log`.
int cipvs_install_reply_handlers(struct nl_cb *_Nonnull callbacks, cipvs_reply_log *_Nonnull log);


/// Parses a reply's top-level IPVS_CMD_ATTR_* attributes into `table` (CIPVS_CMD_ATTR_COUNT slots).
int cipvs_parse_command_reply(struct nlmsghdr *_Nonnull header, struct nlattr *_Nullable *_Nonnull table);
/// Parses a GET_INFO reply's IPVS_INFO_ATTR_* attributes (CIPVS_INFO_ATTR_COUNT slots).
int cipvs_parse_info_reply(struct nlmsghdr *_Nonnull header, struct nlattr *_Nullable *_Nonnull table);
int cipvs_parse_service(struct nlattr *_Nonnull nested, struct nlattr *_Nullable *_Nonnull table);
int cipvs_parse_destination(struct nlattr *_Nonnull nested, struct nlattr *_Nullable *_Nonnull table);
int cipvs_parse_daemon(struct nlattr *_Nonnull nested, struct nlattr *_Nullable *_Nonnull table);
int cipvs_parse_stats(struct nlattr *_Nonnull nested, struct nlattr *_Nullable *_Nonnull table);

/// Reads an integer attribute of 1, 2, 4 or 8 bytes, whatever width the kernel used.
uint64_t cipvs_attribute_unsigned(const struct nlattr *_Nonnull attribute);

#endif
