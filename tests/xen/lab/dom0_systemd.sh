# Sourced by the lab dom0's /init (dom0_init.sh) when dom0's command line has
# protect.init=systemd: systemd becomes PID 1 and runs the session as a unit. Xen's
# xenstored and xenconsoled, started by /init, live on under it. The session's
# exit code reaches the serial console as LAB-RUN-EXIT, as without systemd.
mkdir -p /etc/systemd/system/multi-user.target.wants
cat > /etc/systemd/system/protect-lab-session.service <<'UNIT'
[Unit]
Description=protect lab session (tests/xen/lab/session.sh)
After=basic.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'mkdir -p /mnt/host/out; /mnt/host/run.sh > /mnt/host/out/run.log 2>&1; echo "LAB-RUN-EXIT rc=$?" > /dev/hvc0; sync; echo "LAB-DOM0-POWEROFF uptime=$(cut -d" " -f1 /proc/uptime)" > /dev/hvc0; systemctl --no-block poweroff'
UNIT
ln -sf ../protect-lab-session.service /etc/systemd/system/multi-user.target.wants/
# No login prompt on the console the markers go to.
ln -sf /dev/null /etc/systemd/system/serial-getty@hvc0.service
ln -sf /dev/null /etc/systemd/system/getty@tty1.service
echo "LAB-DOM0-SYSTEMD handing PID 1 to systemd"
exec /lib/systemd/systemd --log-target=kmsg --show-status=false
