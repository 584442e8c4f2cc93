# bash completion for ipvsadm (swift-ipvsadm)          -*- shell-script -*-
# Commands, options (long and short, those legal with the command on the line),
# schedulers, scheduler flags, forwarding and tunnel settings, and the services and
# real servers of the current table, read with `ipvsadm -S -n` (silent and time-limited:
# nothing is offered when IPVS is absent or the user may not read it).
# Works with or without the bash-completion package.

# The table's rule lines (`-A ...` and `-a ...`), from the ipvsadm being completed, in
# the namespace given on the line with --netns.
_ipvsadm_rules()
{
    local program=$1 namespace=$2
    command -v "$program" >/dev/null 2>&1 || program=ipvsadm
    # At most 2 s: a table of tens of thousands of services must not hang the shell.
    if [[ -n $namespace ]]; then
        LC_ALL=C timeout 2 "$program" --netns "$namespace" -S -n 2>/dev/null </dev/null
    else
        LC_ALL=C timeout 2 "$program" -S -n 2>/dev/null </dev/null
    fi
}

_ipvsadm()
{
    local line
    if [[ -n ${COMP_LINE-} ]]; then
        line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
    else
        # Called with COMP_WORDS and COMP_CWORD only.
        line="${COMP_WORDS[*]:0:COMP_CWORD} ${COMP_WORDS[COMP_CWORD]-}"
    fi
    # Words from the line itself, not COMP_WORDS: bash splits addresses at every ':'.
    local -a words
    read -r -a words <<<"$line"
    local cur=""
    [[ $line == *[[:blank:]] ]] || { cur=${words[-1]}; unset 'words[-1]'; }
    local prev=${words[-1]-}
    COMPREPLY=()

    local schedulers="rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh"
    local commands="-A --add-service -E --edit-service -D --delete-service -C --clear
        -R --restore -S --save -a --add-server -e --edit-server -d --delete-server
        -L -l --list -Z --zero --set --start-daemon --stop-daemon -h --help -v --version
        --apply --diff --dry-run"

    # The command, the service, the scheduler and the namespace given so far.
    local command="" service_option="" service="" scheduler="" namespace="" i word
    for ((i = 1; i < ${#words[@]}; i++)); do
        word=${words[i]}
        case $word in
            -A|--add-service|-E|--edit-service|-D|--delete-service|-C|--clear|-R|--restore|\
            -S|--save|-a|--add-server|-e|--edit-server|-d|--delete-server|-L|-l|--list|\
            -Z|--zero|--set|--start-daemon|--stop-daemon|--apply|--diff|--dry-run|-h|--help|-v|--version)
                [[ -n $command ]] || command=$word ;;
            -[A-Za-z][A-Za-z]*)
                # Bundled short flags (-Ln): the first one may be the command.
                [[ -n $command ]] || case ${word:1:1} in [AEDCRSaedLlZ]) command=-${word:1:1} ;; esac ;;
        esac
        case $word in
            -t|--tcp-service|-u|--udp-service|--sctp-service|-f|--fwmark-service)
                service_option=$word service=${words[i + 1]-} ;;
            -s|--scheduler) scheduler=${words[i + 1]-} ;;
            --netns) namespace=${words[i + 1]-} ;;
            --netns=*) namespace=${word#--netns=} ;;
        esac
    done
    case $command in
        --add-service) command=-A ;; --edit-service) command=-E ;; --delete-service) command=-D ;;
        --clear) command=-C ;; --restore) command=-R ;; --save) command=-S ;;
        --add-server) command=-a ;; --edit-server) command=-e ;; --delete-server) command=-d ;;
        -l|--list) command=-L ;; --zero) command=-Z ;; --dry-run) command=--diff ;;
    esac

    local -a candidates=()
    case $prev in
        -s|--scheduler)
            candidates=($schedulers) ;;
        --pe)
            candidates=(sip) ;;
        --tun-type)
            candidates=(ipip gue gre) ;;
        --start-daemon|--stop-daemon)
            candidates=(master backup) ;;
        -b|--sched-flags)
            # A comma-separated list: complete its last name, keep the ones before.
            local flags="flag-1 flag-2 flag-3"
            case $scheduler in
                sh) flags+=" sh-fallback sh-port" ;;
                mh) flags+=" mh-fallback mh-port" ;;
                "") flags+=" sh-fallback sh-port mh-fallback mh-port" ;;
            esac
            local head=""
            [[ $cur == *,* ]] && head=${cur%,*},
            local flag
            for flag in $flags; do candidates+=("$head$flag"); done ;;
        --mcast-interface)
            local interface
            for interface in /sys/class/net/*; do
                [[ -e $interface ]] && candidates+=("${interface##*/}")
            done ;;
        --netns)
            local name
            for name in /run/netns/*; do
                [[ -e $name ]] && candidates+=("${name##*/}")
            done ;;
        --apply|--diff|--dry-run)
            COMPREPLY=($(compgen -f -- "$cur"))
            [[ -n $cur ]] || COMPREPLY+=(-)
            return 0 ;;
        -t|--tcp-service|-u|--udp-service|--sctp-service|-f|--fwmark-service)
            # Existing services, for the commands that name one; -A makes a new one.
            case $command in
                -E|-D|-a|-e|-d|-L|-Z)
                    local want
                    case $prev in
                        -t|--tcp-service) want=-t ;;
                        -u|--udp-service) want=-u ;;
                        --sctp-service) want=--sctp-service ;;
                        *) want=-f ;;
                    esac
                    local kind option address rest
                    while read -r kind option address rest; do
                        [[ $kind == -A && $option == "$want" ]] && candidates+=("$address")
                    done < <(_ipvsadm_rules "${words[0]}" "$namespace")
                    ;;
            esac ;;
        -r|--real-server)
            # Existing real servers (of the service on the line, if any) for -e and -d.
            case $command in
                -e|-d)
                    local kind option address rest
                    local -a fields
                    while read -r kind option address rest; do
                        [[ $kind == -a ]] || continue
                        if [[ -n $service ]]; then
                            case $service_option in
                                -t|--tcp-service) [[ $option == -t ]] || continue ;;
                                -u|--udp-service) [[ $option == -u ]] || continue ;;
                                --sctp-service) [[ $option == --sctp-service ]] || continue ;;
                                *) [[ $option == -f ]] || continue ;;
                            esac
                            [[ $address == "$service" ]] || continue
                        fi
                        # "-a -t SERVICE [-6] -r SERVER ...": the server follows -r.
                        read -r -a fields <<<"$rest"
                        for ((i = 0; i + 1 < ${#fields[@]}; i++)); do
                            [[ ${fields[i]} == -r ]] && { candidates+=("${fields[i + 1]}"); break; }
                        done
                    done < <(_ipvsadm_rules "${words[0]}" "$namespace")
                    ;;
            esac ;;
        -p|--persistent|-M|--netmask|-w|--weight|-x|--u-threshold|-y|--l-threshold|\
        --tun-port|--syncid|--sync-maxlen|--mcast-group|--mcast-port|--mcast-ttl|--drain)
            # A number or an address: nothing to offer. -p's value is optional: an
            # option may follow it.
            case $prev:$cur in -p:-*|--persistent:-*) ;; *) return 0 ;; esac ;;
    esac

    if [[ ${#candidates[@]} -eq 0 && ( $cur == -* || -z $cur ) ]]; then
        if [[ -z $command ]]; then
            candidates=($commands --netns)
        else
            # The options the command takes (ipvsadm's legality table), and the ones
            # every command takes.
            local options="--netns -6 --ipv6"
            local service_options="-t --tcp-service -u --udp-service --sctp-service -f --fwmark-service"
            case $command in
                -A|-E)
                    options+=" $service_options -s --scheduler --pe -p --persistent -M --netmask
                        -b --sched-flags -o --ops" ;;
                -D) options+=" $service_options" ;;
                -a|-e)
                    options+=" $service_options -r --real-server -g --gatewaying -i --ipip
                        -m --masquerading -w --weight -x --u-threshold -y --l-threshold
                        --tun-type --tun-port --tun-nocsum --tun-csum --tun-remcsum" ;;
                -d) options+=" $service_options -r --real-server" ;;
                -L)
                    options+=" $service_options -n --numeric -c --connection --timeout --daemon
                        --stats --rate -X --exact --thresholds --persistent-conn --tun-info
                        --nosort --sort --syncid --json" ;;
                -Z) options+=" $service_options" ;;
                -S) options+=" -n --numeric --json" ;;
                --start-daemon)
                    options+=" --mcast-interface --syncid --sync-maxlen --mcast-group
                        --mcast-port --mcast-ttl" ;;
                --stop-daemon) options+=" --syncid" ;;
                --apply) options+=" --drain" ;;
            esac
            # Options are completed only when asked for with a dash.
            [[ $cur == -* ]] && candidates=($options)
        fi
    fi

    local candidate
    COMPREPLY=()
    for candidate in "${candidates[@]}"; do
        [[ $candidate == "$cur"* ]] && COMPREPLY+=("$candidate")
    done
    # bash replaces only the text after the last ':' or '=' of the word (both are in
    # COMP_WORDBREAKS by default): drop what is already typed up to there.
    local typed=${cur%"${cur##*[:=]}"}
    if [[ -n $typed && ${COMP_WORDBREAKS-:} == *"${typed: -1}"* ]]; then
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$typed"}; done
    fi
    return 0
}
complete -F _ipvsadm ipvsadm
