// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/vsr/<instance>/: "state", the protocol
 * core's internal state and the engine's view of its peers, for debugging;
 * and for tests, "vmfork" (a machine clone), "rx-flood-share" and
 * "rx-flood-target-us" (the flood limit's thresholds, rxlimit.h).
 * Not a stable interface (`vsradm show` is).
 *
 * Lifetime: the directory is created by vsr_node_start() once the core
 * exists and removed by vsr_node_stop() (instance deletion, the end of its
 * network namespace, module unload), before the node can be freed;
 * debugfs_remove() waits for reads in progress, and later reads of a file
 * still open fail.  Only built with CONFIG_DEBUG_FS.
 */

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/seq_file.h>

#include "journal.h"
#include "node_priv.h"

static struct dentry *vsr_debugfs_root;

static __printf(2, 3) void vsr_debugfs_print(void *arg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	seq_vprintf(arg, fmt, ap);
	va_end(ap);
}

static int vsr_state_show(struct seq_file *m, void *v)
{
	struct vsr_node *node = m->private;
	const struct vsr_config *cfg = &node->inst->cfg;
	unsigned long now = jiffies, heard;
	u64 paid, clock;
	u32 i;

	mutex_lock(&node->lock);
	vsr_replica_debug_show(node->core, vsr_debugfs_print, m);
	seq_printf(m, "engine %s cluster %llu ticks %llu wire-version %u encrypt %u",
		   node->inst->name, cfg->cluster_id, node->ticks,
		   vsr_version_cap(node), node->encrypt);
	seq_printf(m, " rx-flood-drops %lld%s%s%s\n",
		   atomic64_read(&node->rx_flood_drops),
		   vsr_rx_load_behind(&node->rx_load, ktime_get_ns()) ?
		   " rx-behind" : "",
		   node->dead ? " dead" : "", node->failed ? " failed" : "");
	if (cfg->journal) {
		const struct vsr_journal *j = cfg->journal;

		seq_printf(m, "journal %s seq %llu view %u log-view %u head %llu checkpoint %llu flags %#x written %llu..%llu",
			   j->path, j->d.seq, j->d.p.view, j->d.p.log_view,
			   j->d.p.op, j->d.p.ckpt, j->d.p.flags, j->w_from,
			   j->w_op);
		seq_printf(m, " busy %d asked %d (view %u head %llu csum %#x checkpoint %llu, disk %#x) err %d writes %llu entries %llu flushes %llu write-us %llu flush-us %llu taken %d lowered %llu unlowered %llu raised %llu mended %llu direct %d\n",
			   j->busy, j->asked, j->want.view, j->want.op,
			   j->want.csum,
			   j->want.ckpt, j->ck_csum, j->err, j->writes, j->entries,
			   j->flushes, div_u64(j->write_ns, NSEC_PER_USEC),
			   div_u64(j->sync_ns, NSEC_PER_USEC), j->taken,
			   j->lowered, j->unlowered, j->raised, j->mended,
			   j->direct);
	}
	for (i = 0; i < vsr_n_peers(cfg); i++) {
		heard = READ_ONCE(node->last_heard[i]);
		seq_printf(m, "  peer %u %pISpc", i, &cfg->peers[i].sa);
		if (vsr_node_member_of(node, i) == VSR_NO_PEER)
			seq_puts(m, " not-member");
		else
			seq_printf(m, " member %u", vsr_node_member_of(node, i));
		if (i == cfg->replica) {
			seq_puts(m, " self\n");
			continue;
		}
		if (!heard)
			seq_puts(m, " last-heard never");
		else
			seq_printf(m, " last-heard %u ms%s",
				   vsr_heard_ms(now, heard),
				   node->obs.silent & BIT(i) ? " silent" : "");
		/* What the link speaks, what was learned, the last HELLO. */
		seq_printf(m, " wire %u (learned %u) hello-sent %s hello-heard %s",
			   vsr_version_to(node, i), node->links[i].ver,
			   node->links[i].sent ? "yes" : "never",
			   node->links[i].heard ? "yes" : "never");
		/* The authentication session: the peer's nonce known, sent. */
		seq_printf(m, " session %s%s%s tx %llu",
			   node->sessions[i].known ? "known" : "none",
			   node->sessions[i].known_auth ? " authenticated" : "",
			   node->sessions[i].decrypts ? " decrypts" : "",
			   node->sessions[i].tx);
		/* Charged for a flood from its address (rxlimit.h). */
		paid = atomic64_read(&node->rx_flow[i].paid);
		clock = ktime_get_ns();
		if (paid > clock)
			seq_printf(m, " rx-owes %llu us",
				   div_u64(paid - clock, NSEC_PER_USEC));
		seq_putc(m, '\n');
	}
	mutex_unlock(&node->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vsr_state);

/*
 * Writing to "vmfork" does what a clone or a snapshot restore of the
 * machine does (vmgenid): new authentication sessions, for tests.
 */
static ssize_t vsr_vmfork_write(struct file *file, const char __user *buf,
				size_t count, loff_t *ppos)
{
	int ret = vsr_keys_vmfork_request(file->private_data);

	return ret ? ret : count;
}

static const struct file_operations vsr_vmfork_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vsr_vmfork_write,
	.llseek = noop_llseek,
};

/**
 * vsr_debugfs_add() - create the debugfs directory of a node's instance
 * @node: the node, its core created
 *
 * Failures are not errors: the instance works without its debugfs files.
 */
void vsr_debugfs_add(struct vsr_node *node)
{
	node->obs.debugfs = debugfs_create_dir(node->inst->name,
					       vsr_debugfs_root);
	debugfs_create_file("state", 0400, node->obs.debugfs, node,
			    &vsr_state_fops);
	debugfs_create_file("vmfork", 0200, node->obs.debugfs, node,
			    &vsr_vmfork_fops);
	/*
	 * The flood limit's thresholds (rxlimit.h), which no forger inside
	 * a test's guest reaches: a test lowers the share (a target of
	 * 4294967295 deems the receive work never behind, and lifts the
	 * limit).
	 */
	debugfs_create_u32("rx-flood-share", 0600, node->obs.debugfs,
			   &node->rx_flood_share);
	debugfs_create_u32("rx-flood-target-us", 0600, node->obs.debugfs,
			   &node->rx_flood_target_us);
	/* A receive work too slow for such a forger: a delay per datagram. */
	debugfs_create_u32("rx-check-delay-us", 0600, node->obs.debugfs,
			   &node->rx_check_delay_us);
	/*
	 * A durable instance's journal writes entries but none of the
	 * records the core asks for: a test holds a window open, in which
	 * the file's record is older than its log, to cut the power there.
	 */
	if (node->inst->cfg.journal)
		debugfs_create_bool("journal-hold-records", 0600,
				    node->obs.debugfs,
				    &node->inst->cfg.journal->hold);
}

/**
 * vsr_debugfs_remove() - remove it; no read is in progress on return
 * @node: the node
 */
void vsr_debugfs_remove(struct vsr_node *node)
{
	debugfs_remove(node->obs.debugfs);
	node->obs.debugfs = NULL;
}

/**
 * vsr_debugfs_init() - create /sys/kernel/debug/vsr at module load
 */
void vsr_debugfs_init(void)
{
	vsr_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

/**
 * vsr_debugfs_exit() - remove it, after every instance is gone
 */
void vsr_debugfs_exit(void)
{
	debugfs_remove(vsr_debugfs_root);
	vsr_debugfs_root = NULL;
}
