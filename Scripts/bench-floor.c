/*
 * The "kernel floor" of Scripts/bench: the least work a client can ask of the kernel
 * through netlink, with no parsing, no formatting and no library in the way.
 *
 *   bench-floor restore SERVICES SERVERS   loads the same table as Scripts/bench's rule
 *                                          file, 200 requests per sendmsg, one ack each
 *   bench-floor list                       one service dump, then one real-server dump
 *                                          per service (what a netlink listing needs)
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#define BATCH 200
#define BUFFER_SIZE (1 << 20)

static int sock = -1;
static uint32_t sequence = 1;
static uint16_t family;
static char buffer[BUFFER_SIZE];

static void die(const char *what) {
    fprintf(stderr, "bench-floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static struct nlattr *put(char *message, uint16_t type, const void *data, uint16_t length) {
    struct nlmsghdr *header = (struct nlmsghdr *)message;
    struct nlattr *attribute = (struct nlattr *)(message + NLMSG_ALIGN(header->nlmsg_len));
    attribute->nla_type = type;
    attribute->nla_len = NLA_HDRLEN + length;
    if (length) memcpy((char *)attribute + NLA_HDRLEN, data, length);
    header->nlmsg_len = NLMSG_ALIGN(header->nlmsg_len) + NLA_ALIGN(attribute->nla_len);
    return attribute;
}

static void end_nest(char *message, struct nlattr *nest) {
    struct nlmsghdr *header = (struct nlmsghdr *)message;
    nest->nla_len = (uint16_t)((char *)header + header->nlmsg_len - (char *)nest);
}

static char *begin(char *at, uint16_t type, uint8_t command, uint16_t flags) {
    struct nlmsghdr *header = (struct nlmsghdr *)at;
    memset(at, 0, NLMSG_HDRLEN + GENL_HDRLEN);
    header->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
    header->nlmsg_type = type;
    header->nlmsg_flags = NLM_F_REQUEST | flags;
    header->nlmsg_seq = sequence++;
    struct genlmsghdr *genl = NLMSG_DATA(header);
    genl->cmd = command;
    genl->version = 1;
    return at;
}

static void send_all(const char *data, size_t length) {
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(sock, data, length, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) die("sendto");
}

/* Reads replies until an ack or error answers `last`, or a dump ends; calls `each` on data messages. */
static int receive(uint32_t last, int dump, void (*each)(struct nlmsghdr *)) {
    int errors = 0;
    for (;;) {
        ssize_t length = recv(sock, buffer, sizeof(buffer), 0);
        if (length < 0) {
            if (errno == EINTR) continue;
            die("recv");
        }
        for (struct nlmsghdr *header = (struct nlmsghdr *)buffer; NLMSG_OK(header, length);
             header = NLMSG_NEXT(header, length)) {
            if (header->nlmsg_type == NLMSG_DONE) return errors;
            if (header->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *error = NLMSG_DATA(header);
                if (error->error) errors++;
                if (!dump && error->msg.nlmsg_seq == last) return errors;
                if (dump && error->error) return errors;
                continue;
            }
            if (each) each(header);
        }
    }
}

static uint16_t family_id;
static void family_reply(struct nlmsghdr *header) {
    struct nlattr *attribute = (struct nlattr *)((char *)NLMSG_DATA(header) + GENL_HDRLEN);
    int remaining = header->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
    while (remaining >= NLA_HDRLEN && attribute->nla_len >= NLA_HDRLEN) {
        if (attribute->nla_type == CTRL_ATTR_FAMILY_ID) memcpy(&family_id, (char *)attribute + NLA_HDRLEN, 2);
        remaining -= NLA_ALIGN(attribute->nla_len);
        attribute = (struct nlattr *)((char *)attribute + NLA_ALIGN(attribute->nla_len));
    }
}

static void connect_netlink(void) {
    sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (sock < 0) die("socket");
    int size = 4 << 20;
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    char request[256];
    begin(request, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
    put(request, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME, sizeof(IPVS_GENL_NAME));
    send_all(request, ((struct nlmsghdr *)request)->nlmsg_len);
    receive(sequence - 1, 0, family_reply);
    if (!family_id) {
        fprintf(stderr, "bench-floor: no IPVS family\n");
        exit(1);
    }
    family = family_id;
}

static void put_service(char *message, uint32_t vip, int full) {
    struct nlattr *nest = put(message, IPVS_CMD_ATTR_SERVICE, NULL, 0);
    uint16_t af = AF_INET, protocol = IPPROTO_TCP, port = htons(80);
    uint8_t address[16] = {0};
    uint32_t network = htonl(vip);
    memcpy(address, &network, 4);
    put(message, IPVS_SVC_ATTR_AF, &af, 2);
    put(message, IPVS_SVC_ATTR_PROTOCOL, &protocol, 2);
    put(message, IPVS_SVC_ATTR_ADDR, address, 16);
    put(message, IPVS_SVC_ATTR_PORT, &port, 2);
    if (full) {
        struct ip_vs_flags flags = {.flags = 0, .mask = ~0u};
        uint32_t timeout = 0, netmask = 0xffffffff;
        put(message, IPVS_SVC_ATTR_SCHED_NAME, "wlc", 4);
        put(message, IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
        put(message, IPVS_SVC_ATTR_TIMEOUT, &timeout, 4);
        put(message, IPVS_SVC_ATTR_NETMASK, &netmask, 4);
    }
    end_nest(message, nest);
}

static void put_dest(char *message, uint32_t server) {
    struct nlattr *nest = put(message, IPVS_CMD_ATTR_DEST, NULL, 0);
    uint16_t af = AF_INET, port = htons(8080), tunnel_port = 0, tunnel_flags = 0;
    uint32_t method = IP_VS_CONN_F_MASQ, weight = 1, zero = 0;
    uint8_t address[16] = {0}, tunnel_type = 0;
    uint32_t network = htonl(server);
    memcpy(address, &network, 4);
    put(message, IPVS_DEST_ATTR_ADDR_FAMILY, &af, 2);
    put(message, IPVS_DEST_ATTR_ADDR, address, 16);
    put(message, IPVS_DEST_ATTR_PORT, &port, 2);
    put(message, IPVS_DEST_ATTR_FWD_METHOD, &method, 4);
    put(message, IPVS_DEST_ATTR_WEIGHT, &weight, 4);
    put(message, IPVS_DEST_ATTR_TUN_TYPE, &tunnel_type, 1);
    put(message, IPVS_DEST_ATTR_TUN_PORT, &tunnel_port, 2);
    put(message, IPVS_DEST_ATTR_TUN_FLAGS, &tunnel_flags, 2);
    put(message, IPVS_DEST_ATTR_U_THRESH, &zero, 4);
    put(message, IPVS_DEST_ATTR_L_THRESH, &zero, 4);
    end_nest(message, nest);
}

/* The addresses Scripts/bench writes: service n (from 1) is 10.0.0.0 + n, real server k is 172.16.0.0 + k. */
static int restore(long services, long servers) {
    static char batch[BATCH * 512];
    size_t used = 0;
    int count = 0, errors = 0;
    long server = 0;
    for (long n = 1; n <= services; n++) {
        for (long j = -1; j < servers; j++) {
            int last = (n == services && j == servers - 1);
            char *message = begin(batch + used, family, j < 0 ? IPVS_CMD_NEW_SERVICE : IPVS_CMD_NEW_DEST, 0);
            put_service(message, 0x0a000000u + (uint32_t)n, j < 0);
            if (j >= 0) put_dest(message, 0xac100000u + (uint32_t)++server);
            count++;
            if (count == BATCH || last) ((struct nlmsghdr *)message)->nlmsg_flags |= NLM_F_ACK;
            used += NLMSG_ALIGN(((struct nlmsghdr *)message)->nlmsg_len);
            if (count == BATCH || last) {
                send_all(batch, used);
                errors += receive(((struct nlmsghdr *)message)->nlmsg_seq, 0, NULL);
                used = 0;
                count = 0;
            }
        }
    }
    return errors;
}

struct key { uint16_t af; char attributes[64]; uint16_t length; };
static struct key *keys;
static size_t key_count, key_capacity;

static void collect_service(struct nlmsghdr *header) {
    struct nlattr *attribute = (struct nlattr *)((char *)NLMSG_DATA(header) + GENL_HDRLEN);
    if (attribute->nla_type != IPVS_CMD_ATTR_SERVICE) return;
    if (key_count == key_capacity) {
        key_capacity = key_capacity ? key_capacity * 2 : 1024;
        keys = realloc(keys, key_capacity * sizeof(*keys));
    }
    struct key *key = &keys[key_count++];
    key->length = 0;
    struct nlattr *inner = (struct nlattr *)((char *)attribute + NLA_HDRLEN);
    int remaining = attribute->nla_len - NLA_HDRLEN;
    while (remaining >= NLA_HDRLEN && inner->nla_len >= NLA_HDRLEN) {
        switch (inner->nla_type) {
        case IPVS_SVC_ATTR_AF: case IPVS_SVC_ATTR_PROTOCOL: case IPVS_SVC_ATTR_ADDR:
        case IPVS_SVC_ATTR_PORT: case IPVS_SVC_ATTR_FWMARK:
            if ((size_t)key->length + NLA_ALIGN(inner->nla_len) <= sizeof(key->attributes)) {
                memcpy(key->attributes + key->length, inner, inner->nla_len);
                key->length += NLA_ALIGN(inner->nla_len);
            }
        }
        remaining -= NLA_ALIGN(inner->nla_len);
        inner = (struct nlattr *)((char *)inner + NLA_ALIGN(inner->nla_len));
    }
}

static long destinations_seen;
static void count_destination(struct nlmsghdr *header) { (void)header; destinations_seen++; }

static void list(void) {
    char request[256];
    begin(request, family, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
    send_all(request, ((struct nlmsghdr *)request)->nlmsg_len);
    receive(0, 1, collect_service);
    for (size_t i = 0; i < key_count; i++) {
        char *message = begin(request, family, IPVS_CMD_GET_DEST, NLM_F_DUMP);
        struct nlattr *nest = put(message, IPVS_CMD_ATTR_SERVICE, NULL, 0);
        struct nlmsghdr *header = (struct nlmsghdr *)message;
        memcpy(message + header->nlmsg_len, keys[i].attributes, keys[i].length);
        header->nlmsg_len += keys[i].length;
        end_nest(message, nest);
        send_all(request, header->nlmsg_len);
        receive(0, 1, count_destination);
    }
    printf("%zu services, %ld real servers\n", key_count, destinations_seen);
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "restore")) {
        connect_netlink();
        int errors = restore(atol(argv[2]), atol(argv[3]));
        if (errors) fprintf(stderr, "bench-floor: %d requests failed\n", errors);
        return errors != 0;
    }
    if (argc == 2 && !strcmp(argv[1], "list")) {
        connect_netlink();
        list();
        return 0;
    }
    fprintf(stderr, "usage: bench-floor restore SERVICES SERVERS | bench-floor list\n");
    return 2;
}
