#define _GNU_SOURCE
#include "CIPVSShim.h"

#include <sched.h>

#include <string.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

static struct nla_policy command_policy[CIPVS_CMD_ATTR_COUNT] = {
    [IPVS_CMD_ATTR_SERVICE] = {.type = NLA_NESTED},
    [IPVS_CMD_ATTR_DEST] = {.type = NLA_NESTED},
    [IPVS_CMD_ATTR_DAEMON] = {.type = NLA_NESTED},
    [IPVS_CMD_ATTR_TIMEOUT_TCP] = {.type = NLA_U32},
    [IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = {.type = NLA_U32},
    [IPVS_CMD_ATTR_TIMEOUT_UDP] = {.type = NLA_U32},
};

static struct nla_policy service_policy[CIPVS_SVC_ATTR_COUNT] = {
    [IPVS_SVC_ATTR_AF] = {.type = NLA_U16},
    [IPVS_SVC_ATTR_PROTOCOL] = {.type = NLA_U16},
    [IPVS_SVC_ATTR_ADDR] = {.type = NLA_UNSPEC, .maxlen = 16},
    [IPVS_SVC_ATTR_PORT] = {.type = NLA_U16},
    [IPVS_SVC_ATTR_FWMARK] = {.type = NLA_U32},
    [IPVS_SVC_ATTR_SCHED_NAME] = {.type = NLA_STRING, .maxlen = IP_VS_SCHEDNAME_MAXLEN},
    [IPVS_SVC_ATTR_FLAGS] = {.type = NLA_UNSPEC, .minlen = sizeof(struct ip_vs_flags), .maxlen = sizeof(struct ip_vs_flags)},
    [IPVS_SVC_ATTR_TIMEOUT] = {.type = NLA_U32},
    [IPVS_SVC_ATTR_NETMASK] = {.type = NLA_U32},
    [IPVS_SVC_ATTR_STATS] = {.type = NLA_NESTED},
    [IPVS_SVC_ATTR_PE_NAME] = {.type = NLA_STRING, .maxlen = IP_VS_PENAME_MAXLEN},
    [IPVS_SVC_ATTR_STATS64] = {.type = NLA_NESTED},
};

static struct nla_policy destination_policy[CIPVS_DEST_ATTR_COUNT] = {
    [IPVS_DEST_ATTR_ADDR] = {.type = NLA_UNSPEC, .maxlen = 16},
    [IPVS_DEST_ATTR_PORT] = {.type = NLA_U16},
    [IPVS_DEST_ATTR_FWD_METHOD] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_WEIGHT] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_U_THRESH] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_L_THRESH] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_ACTIVE_CONNS] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_INACT_CONNS] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_PERSIST_CONNS] = {.type = NLA_U32},
    [IPVS_DEST_ATTR_STATS] = {.type = NLA_NESTED},
    [IPVS_DEST_ATTR_ADDR_FAMILY] = {.type = NLA_U16},
    [IPVS_DEST_ATTR_STATS64] = {.type = NLA_NESTED},
    [IPVS_DEST_ATTR_TUN_TYPE] = {.type = NLA_U8},
    [IPVS_DEST_ATTR_TUN_PORT] = {.type = NLA_U16},
    [IPVS_DEST_ATTR_TUN_FLAGS] = {.type = NLA_U16},
};

static struct nla_policy daemon_policy[CIPVS_DAEMON_ATTR_COUNT] = {
    [IPVS_DAEMON_ATTR_STATE] = {.type = NLA_U32},
    [IPVS_DAEMON_ATTR_MCAST_IFN] = {.type = NLA_STRING, .maxlen = IP_VS_IFNAME_MAXLEN},
    [IPVS_DAEMON_ATTR_SYNC_ID] = {.type = NLA_U32},
    [IPVS_DAEMON_ATTR_SYNC_MAXLEN] = {.type = NLA_U16},
    [IPVS_DAEMON_ATTR_MCAST_GROUP] = {.type = NLA_U32},
    [IPVS_DAEMON_ATTR_MCAST_GROUP6] = {.type = NLA_UNSPEC, .minlen = 16},
    [IPVS_DAEMON_ATTR_MCAST_PORT] = {.type = NLA_U16},
    [IPVS_DAEMON_ATTR_MCAST_TTL] = {.type = NLA_U8},
};

// Stats attributes come as u32 (STATS) or u64 (STATS64): no width is enforced here,
// cipvs_attribute_unsigned() reads whichever arrived.
static struct nla_policy stats_policy[CIPVS_STATS_ATTR_COUNT] = {
    [IPVS_STATS_ATTR_CONNS] = {.type = NLA_UNSPEC},
};

static struct nla_policy info_policy[CIPVS_INFO_ATTR_COUNT] = {
    [IPVS_INFO_ATTR_VERSION] = {.type = NLA_U32},
    [IPVS_INFO_ATTR_CONN_TAB_SIZE] = {.type = NLA_U32},
};

static int record_error(struct sockaddr_nl *_Nonnull peer, struct nlmsgerr *_Nonnull error, void *_Nonnull argument) {
    (void)peer;
    cipvs_reply_log *log = argument;
    log->last_error = error->error;
    if (log->errors != NULL && log->error_count < log->error_capacity) {
        log->errors[log->error_count].error = error->error;
        log->errors[log->error_count].sequence = error->msg.nlmsg_seq;
        log->error_count++;
    } else {
        log->errors_dropped++;
    }
    return log->keep_going ? NL_SKIP : NL_STOP;
}

static int record_ack(struct nl_msg *_Nonnull message, void *_Nonnull argument) {
    (void)message;
    cipvs_reply_log *log = argument;
    log->acks++;
    return log->keep_going ? NL_OK : NL_STOP;
}

int cipvs_install_reply_handlers(struct nl_cb *callbacks, cipvs_reply_log *log) {
    int result = nl_cb_err(callbacks, NL_CB_CUSTOM, record_error, log);
    if (result < 0)
        return result;
    return nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, record_ack, log);
}

int cipvs_parse_command_reply(struct nlmsghdr *header, struct nlattr **table) {
    return genlmsg_parse(header, 0, table, CIPVS_CMD_ATTR_COUNT - 1, command_policy);
}

int cipvs_parse_info_reply(struct nlmsghdr *header, struct nlattr **table) {
    return genlmsg_parse(header, 0, table, CIPVS_INFO_ATTR_COUNT - 1, info_policy);
}

int cipvs_parse_service(struct nlattr *nested, struct nlattr **table) {
    return nla_parse_nested(table, CIPVS_SVC_ATTR_COUNT - 1, nested, service_policy);
}

int cipvs_parse_destination(struct nlattr *nested, struct nlattr **table) {
    return nla_parse_nested(table, CIPVS_DEST_ATTR_COUNT - 1, nested, destination_policy);
}

int cipvs_parse_daemon(struct nlattr *nested, struct nlattr **table) {
    return nla_parse_nested(table, CIPVS_DAEMON_ATTR_COUNT - 1, nested, daemon_policy);
}

int cipvs_parse_stats(struct nlattr *nested, struct nlattr **table) {
    return nla_parse_nested(table, CIPVS_STATS_ATTR_COUNT - 1, nested, stats_policy);
}

uint64_t cipvs_attribute_unsigned(const struct nlattr *attribute) {
    switch (nla_len(attribute)) {
    case 1: return nla_get_u8((struct nlattr *)attribute);
    case 2: return nla_get_u16((struct nlattr *)attribute);
    case 4: return nla_get_u32((struct nlattr *)attribute);
    case 8: return nla_get_u64((struct nlattr *)attribute);
    default: return 0;
    }
}

int cipvs_enter_network_namespace(int descriptor) {
    return setns(descriptor, CLONE_NEWNET);
}
