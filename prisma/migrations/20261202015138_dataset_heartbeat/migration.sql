-- AlterTable
ALTER TABLE "datasets" ADD COLUMN     "heartbeat_at" TIMESTAMP(3);
