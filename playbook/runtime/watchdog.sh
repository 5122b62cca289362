# Playbook's watchdog: ends the process groups of a runner that died (see watchdog.py).
#
# Reads "+PGID" (a command's group started), "-PGID" (it ended) and "bye" (the run ended
# normally) from standard input. When input ends without "bye", the runner is gone: every group
# still listed gets SIGTERM, and SIGKILL after the grace period ($1 tenths of a second).

trap '' INT HUP TERM
grace_tenths=$1
groups=' '
said_goodbye=
while IFS= read -r line; do
    case $line in
        bye) said_goodbye=1 ;;
        # Not a group a command runs in: 0 and 1 would name the watchdog's own group and
        # every process (kill -TERM -1).
        [+-] | [+-]*[!0-9]* | [+-]0* | [+-]1) ;;
        +*) groups="$groups${line#+} " ;;
        -*)
            group=${line#-}
            case $groups in
                *" $group "*) groups="${groups%% "$group" *} ${groups#* "$group" }" ;;
            esac
            ;;
    esac
done
[ -z "$said_goodbye" ] || exit 0

# `kill -SIGNAL -PGID`: the form dash, bash and busybox read alike (busybox refuses `--`, dash
# `kill -0 -- -PGID`).
signal_all() {
    for group in $groups; do
        kill "-$1" "-$group" 2>/dev/null
    done
}

any_alive() {
    for group in $groups; do
        kill -0 "-$group" 2>/dev/null && return 0
    done
    return 1
}

[ "$groups" != ' ' ] || exit 0
signal_all TERM
waited=0
while [ "$waited" -lt "$grace_tenths" ] && any_alive; do
    /bin/sleep 0.1
    waited=$((waited + 1))
done
signal_all KILL
