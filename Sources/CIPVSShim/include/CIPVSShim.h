// What Swift cannot take from libnl and <linux/ip_vs.h> directly: its attribute-policy
// tables, the nested-attribute parsing that needs them, an error callback that keeps the
// kernel's raw errno from each nlmsgerr (libnl would translate it to its own codes), and
// the header's constants that are macros of macros.
#ifndef CIPVS_SHIM_H
#define CIPVS_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <linux/ip_vs.h>

// Sizes of the attribute tables the parsers below fill: one slot per attribute type
// the kernel's header knows, slot 0 unused. Constants of an enum rather than
// macros, so that Swift imports them (it skips macros built on other macros).
enum {
    CIPVS_CMD_ATTR_COUNT = IPVS_CMD_ATTR_MAX + 1,
    CIPVS_SVC_ATTR_COUNT = IPVS_SVC_ATTR_MAX + 1,
    CIPVS_DEST_ATTR_COUNT = IPVS_DEST_ATTR_MAX + 1,
    CIPVS_DAEMON_ATTR_COUNT = IPVS_DAEMON_ATTR_MAX + 1,
    CIPVS_STATS_ATTR_COUNT = IPVS_STATS_ATTR_MAX + 1,
    CIPVS_INFO_ATTR_COUNT = IPVS_INFO_ATTR_MAX + 1,
};

/// IP_VS_SO_GET_INFO, the getsockopt of IPVS's legacy socket-option interface, which
/// ipvsadm falls back to when the netlink family is missing (its macro is built on
/// IP_VS_BASE_CTL, out of Swift's reach).
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

/// setns(descriptor, CLONE_NEWNET): moves the calling thread into a network namespace.
/// Swift cannot import setns, which glibc declares only under _GNU_SOURCE. 0 or -1 with errno.
int cipvs_enter_network_namespace(int descriptor);

/// Reads an integer attribute of 1, 2, 4 or 8 bytes, whatever width the kernel used.
uint64_t cipvs_attribute_unsigned(const struct nlattr *_Nonnull attribute);

#endif
