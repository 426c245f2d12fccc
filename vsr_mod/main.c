// SPDX-License-Identifier: GPL-2.0
/*
 * vsr: module entry points.  Registers the character-device region for
 * /dev/vsrlogN, the device class, the instance registry (per netns) and the
 * "vsr" generic netlink family, and unwinds them in reverse order.
 */

#include <linux/module.h>
#include <linux/fs.h>
#include <linux/device.h>
#include <net/genetlink.h>
#include <uapi/linux/vsr.h>
#include <vsr_version.h>

#include "compat.h"
#include "instance.h"
#include "netlink.h"
#include "node_priv.h"

#define VSR_MAX_MINORS	VSR_MAX_INSTANCES

static dev_t vsr_devt;
static struct class *vsr_class;

static int __init vsr_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&vsr_devt, 0, VSR_MAX_MINORS, VSR_DEV_PREFIX);
	if (ret)
		return ret;

	vsr_class = vsr_class_create(VSR_DEV_PREFIX);
	if (IS_ERR(vsr_class)) {
		ret = PTR_ERR(vsr_class);
		goto err_region;
	}

	ret = vsr_device_init(vsr_devt, VSR_MAX_MINORS);
	if (ret)
		goto err_class;

	vsr_debugfs_init();	/* before any instance: they add to it */
	ret = vsr_instances_init(vsr_class, vsr_devt);
	if (ret)
		goto err_device;

	ret = vsr_netlink_init();
	if (ret)
		goto err_instances;

	pr_info("version " VSR_RELEASE " loaded (char major %d)\n", MAJOR(vsr_devt));
	return 0;

err_instances:
	vsr_instances_exit();
err_device:
	vsr_debugfs_exit();
	vsr_device_exit();
err_class:
	class_destroy(vsr_class);
err_region:
	unregister_chrdev_region(vsr_devt, VSR_MAX_MINORS);
	return ret;
}

static void __exit vsr_exit(void)
{
	vsr_netlink_exit();	/* no new requests, no more notifications */
	vsr_instances_exit();	/* destroys the instances of every netns */
	vsr_debugfs_exit();
	vsr_device_exit();
	class_destroy(vsr_class);
	unregister_chrdev_region(vsr_devt, VSR_MAX_MINORS);
	pr_info("unloaded\n");
}

module_init(vsr_init);
module_exit(vsr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Viewstamped Replication replicated log");
MODULE_AUTHOR("The vsr developers");
MODULE_VERSION(VSR_RELEASE);
/* `vsradm` (any lookup of the family by name) loads the module. */
MODULE_ALIAS_GENL_FAMILY(VSR_GENL_NAME);
